"""Lab (row 96): the quick photo search finishing from several of its maps, not one.
For every market-photo query of a full eval_match run whose photo stage ran (rows with
a `photo_log`, docs/lab/pool/photolog.patch), every aligned design is aligned again: all
PHOTO_QUICK_STARTS half-resolution starts descended at full scale (the engine: the best
PHOTO_QUICK_FULL), and the best K of them (K = 1..4) each finished (window, detail
rule, ECC), the best by (value, peak) kept; ECC gated at PHOTO_ECC_GATE as shipped, or
always run. Writes multistart.pkl: {(file, alt): [(key, {(K, gate): (z, value)})]}, and
prints the stand-out rule's replay (3 designs, twice every rival; and `nonpass`, rivals
that pass not counted) per variant, with the
ECC runs a design. Args: ROWS EVAL_JSON [ALT ...]; env PROCS (2), REPLAY=1 (only the
replay, from multistart.pkl)."""
import json, os, pickle, sys, collections, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, os.environ.get("WT", "/work/main"))
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E

paths = me.pattern_files(Path("/work/shared/patterns"))
by_name = {p.name: p for p in paths}
registered, _ = suite.split(paths)
KS = (1, 2, 3, 4)
GATES = ("ship", "always")


def finish(search, c, candidate, best):
    """The engine's own end from one map (engine._photo_finish): without ECC, and with
    ECC whatever the peak; the shipped gate picks between the two."""
    aligned = E._photo_finish(search, c, candidate, best[1], gate=float("inf"))
    refined = E._photo_finish(search, c, candidate, best[1], gate=float("-inf"))
    return aligned, refined


def variants(query, candidate):
    out = {(k, g): (0.0, 0.0) for k in KS for g in GATES}
    eccs = {(k, g): 0 for k in KS for g in GATES}
    details = E._photo_details(query, candidate)
    if details is None:
        return out, eccs
    q, c = details
    search = E._PhotoSearch(query, q, c)
    peak, steps = search.peak, E._PHOTO_STEPS
    starts = E.photo_starts(query, candidate)
    if not starts:
        return out, eccs
    # The engine's own first (the best of the first PHOTO_QUICK_FULL), then the rest.
    full = E.PHOTO_QUICK_FULL
    down = [E._descend(peak, peak(p, False), p, steps / 4, False, 3) for _z, p in starts]
    descended = (sorted(down[:full], key=lambda t: t[0], reverse=True)
                 + sorted(down[full:], key=lambda t: t[0], reverse=True))
    best = {g: E._Alignment() for g in GATES}
    n = {g: 0 for g in GATES}
    for k in KS:
        if k <= len(descended):
            b = E._descend(peak, *descended[k - 1], steps / 8, False, 2)
            b = E._descend(peak, *b, steps / 16, False, 2)
            aligned, refined = finish(search, c, candidate, b)
            for g in GATES:
                got = aligned
                if g == "always" or aligned.z >= E.PHOTO_ECC_GATE:
                    got = refined
                    n[g] += 1
                best[g] = max(best[g], got, key=lambda a: (a.value, a.z))
        for g in GATES:
            out[(k, g)] = (float(best[g].z), float(best[g].value))
            eccs[(k, g)] = n[g]
    return out, eccs


def one(row):
    name, alt = row["file"], row["alteration"]
    a = me._open(by_name[name])
    query = me._query_fingerprint(suite.alter(a, name, alt))
    got = []
    for key, z, v in row["photo_log"][0]:
        cand = me._fingerprint_array(me._open(registered[key]))
        t = time.process_time()
        out, eccs = variants(query, cand)
        got.append((key, z, v, out, eccs, time.process_time() - t))
    return (name, alt), got


if __name__ == "__main__":
    rows = [json.loads(l) for l in open(sys.argv[1])]
    ev = json.load(open(sys.argv[2]))
    derived = set(ev["methods"]["engine"]["derived_distractors"])
    alts = sys.argv[3:] or ["market_photo", "market_photo+hue_90"]
    jobs = [r for r in rows if r["alteration"] in alts and r.get("photo_log")]
    print(len(jobs), "queries", flush=True)
    out_file = "/tmp/lab/pool/multistart.pkl"
    if os.environ.get("REPLAY") == "1":  # only the replay, from an earlier run's dump
        done = pickle.load(open(out_file, "rb"))
    else:
        with Pool(int(os.environ.get("PROCS", "2"))) as pool:
            done = {}
            for i, (k, got) in enumerate(pool.imap_unordered(one, jobs, chunksize=1)):
                done[k] = got
                if i % 25 == 0:
                    print(i, flush=True)
                    pickle.dump(done, open(out_file, "wb"))
        pickle.dump(done, open(out_file, "wb"))
    truth = {(r["file"], r["alteration"]): r["truth"] for r in jobs}
    mism = sum(abs(z - o[(1, "ship")][0]) > 1e-6 or abs(v - o[(1, "ship")][1]) > 1e-6
               for got in done.values() for _k, z, v, o, _e, _t in got)
    print("K=1 ship mismatches with the run's log:", mism)
    for k, g, nonpass in [(k, g, np_) for np_ in (False, True) for k in KS for g in GATES]:
        found = collections.Counter(); flagged = 0; dflag = 0; eccs = []
        for q, got in done.items():
            log = [(key, o[(k, g)][0], o[(k, g)][1]) for key, _z, _v, o, _e, _t in got]
            eccs += [e[(k, g)] for *_x, e, _t in got]
            passes = [key for key, z, v in log
                      if v > E.DETAIL_AT_THRESHOLD and z >= E.PHOTO_STAND_OUT * max(
                          [zo for ko, zo, vo in log if ko != key
                           and not (nonpass and vo > E.DETAIL_AT_THRESHOLD)]
                          + [E.PHOTO_NULL_Z])]
            if truth[q] >= 0:
                found[q[1]] += truth[q] in passes
            elif q[0] in derived:
                dflag += bool(passes)
            else:
                flagged += bool(passes)
        print(f"{'nonpass ' if nonpass else ''}K={k} ECC {g}: found {dict(found)} unrelated flagged {flagged} derived {dflag} "
              f"ECC a design {np.mean(eccs):.2f}")
    print("CPU a design (all variants made together): median",
          round(float(np.median([t for got in done.values() for *_x, t in got])), 3), "s")
