"""Lab: the coarse affine search (affgrid_coarse.py) over every market photo: registered
photos against their original and the embedding's best three other designs (wrong-design
passes), distractor photos against the embedding's best three (false matches)."""
import os, sys, json, time, pickle
sys.path.insert(0, "/tmp/lab")
from affgrid_coarse import *  # noqa
T = pickle.load(open("/tmp/lab/tta.pkl", "rb"))
COS = {(n, a): c[0] for n, a, c in T["res"]}
DETS = None

def _init():
    global DETS
    DETS = [me._fingerprint_array(me._open(p)).detail() for p in reg]

def job(args):
    path, alt = args
    qd = me._query_fingerprint(suite.alter(me._open(path), path.name, alt)).detail()
    names = [p.name for p in reg]
    truth = names.index(path.name) if path.name in names else -1
    order = [int(j) for j in np.argsort(-COS[(path.name, alt)]) if j != truth][:3]
    out = {}
    if truth >= 0:
        out["orig"] = search_coarse(qd, DETS[truth])
    out["others"] = [search_coarse(qd, DETS[j]) for j in order]
    out["rank"] = int((COS[(path.name, alt)] > COS[(path.name, alt)][truth]).sum()) if truth >= 0 else -1
    return path.name, alt, out

if __name__ == "__main__":
    alts = ["market_photo", "market_photo+hue_90"]
    jobs = [(p, a) for p in paths for a in alts]
    t0 = time.time()
    with Pool(2, initializer=_init) as pool:
        res = pool.map(job, jobs, chunksize=2)
    pickle.dump(res, open("/tmp/lab/affnull.pkl", "wb"))
    rows = {(r["file"], r["alteration"]): r for r in map(json.loads, open("/tmp/full_rows.jsonl"))}
    regn = {p.name for p in reg}
    for alt in alts:
        R = [(n, o) for n, a, o in res if a == alt and n in regn]
        D = [(n, o) for n, a, o in res if a == alt and n not in regn]
        ok = {n for n, o in R if o["orig"][1] > 0.3}
        found = {n for n, o in R if rows[(n, alt)]["found"]}
        wrong = sum(any(v > 0.3 for z, v in o["others"]) for n, o in R)
        fl = [(n, max(v for z, v in o["others"])) for n, o in D if any(v > 0.3 for z, v in o["others"])]
        top3 = {n for n, o in R if o["rank"] < 3}
        print(f"{alt}: originals pass {len(ok)/len(R):.3f} (engine {len(found)/len(R):.3f}, union {len(ok|found)/len(R):.3f}; "
              f"union if only the embedding's top 3 were searched {len(found | (ok & top3))/len(R):.3f}); "
              f"registered photos with a wrong design passing {wrong}; distractor photos passing {len(fl)} of {len(D)} {fl[:5]}")
    print("elapsed", round(time.time() - t0))
