"""Lab: every market-photo query (both alterations, all files) whose photo stage runs: the
pool's ranking, and the first K designs of distinct groups aligned (env switches apply).
Output /tmp/lab/kp/pool_<TAG>.pkl."""
import json, os, sys, pickle, time
sys.path.insert(0, os.environ.get("WT", "/tmp/wt")); os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
import multiprocessing
import numpy as np
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
paths = me.pattern_files(Path('/work/shared/patterns')); reg, _ = suite.split(paths)
K = int(os.environ.get("K", "6"))
REG = {}
FIELDS = ("z", "ncc", "inverted", "coverage", "lp_z", "lp_ncc", "turn")


def one(job):
    path, alt, truth = job
    fps, index, group_of = REG['fps'], REG['index'], REG['group_of']
    q = me._query_fingerprint(suite.alter(me._open(path), path.name, alt))
    rec = {}

    def spy(query, scored, got, cosines, hamming, group_of, designs):
        pq = E._PhotoQuery.of(query)
        if pq is None:
            return scored
        by_key = E._every_cosine(query, got, cosines)
        pool = E._nearest_first(by_key)[:E.PHOTO_POOL]
        agreements = {k: pq.agreement(got[k]) for k in pool}
        spectral = np.array([agreements[k].max() for k in pool])
        emb = np.array([by_key[k] for k in pool])
        rank = E._spreads(spectral) + E._spreads(emb)
        order = [pool[n] for n in np.argsort(-rank, kind='stable')]
        chosen = []
        for k in order:
            if len(chosen) >= K: break
            if group_of(k) not in {group_of(c) for c in chosen}: chosen.append(k)
        aligned = {}
        for k in chosen:
            a = E.photo_alignment(query, got[k], quick=True, agreement=agreements[k])
            aligned[k] = dict({f: getattr(a, f) for f in FIELDS}, value=float(a.value))
        rec.update(order=order, chosen=chosen, aligned=aligned, fetched=truth in got,
                   cos={k: by_key[k] for k in pool}, spectral=dict(zip(pool, spectral.tolist())),
                   scored_match=any(r[3].is_match for r in scored))
        return scored
    real = E._photographed
    E._photographed = spy
    try:
        E.match(q, index, lambda ks: {k: fps[k] for k in ks}, photo=3)
    finally:
        E._photographed = real
    return path.name, alt, truth, rec


if __name__ == '__main__':
    me._single_thread()
    fps = {k: me._fingerprint_array(me._open(p)) for k, p in enumerate(reg)}
    index = E.MatchIndex()
    for k, f in fps.items(): index.add(k, f.vector)
    REG.update(fps=fps, index=index, group_of=lambda k: k)
    jobs = [(p, a, reg.index(p) if p in reg else -1) for p in paths for a in ('market_photo', 'market_photo+hue_90')]
    out = []
    with multiprocessing.get_context('fork').Pool(2, initializer=me._single_thread) as pool:
        for n, r in enumerate(pool.imap_unordered(one, jobs, chunksize=2)):
            out.append(r)
            if n % 100 == 0: print(n, len(jobs), time.strftime('%H:%M:%S'), flush=True)
    pickle.dump(out, open('/tmp/lab/kp/pool_%s.pkl' % os.environ.get("TAG", "x"), 'wb'))
    print('done', flush=True)
