"""Lab: the photo stage's choice of designs with the embedding weighed more or less
against the spectral agreement (rank = w * spreads(cosine) + spreads(spectral)), replayed:
every market-photo query (both alterations, all files) whose photo stage runs has the
union of each weight's 3 chosen designs aligned once, then each weight's choice and the
stand-out rule are replayed. Output /tmp/lab/lead/poolw.pkl."""
import json, os, sys, pickle, time
sys.path.insert(0, '/work/main'); os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
import multiprocessing
import numpy as np
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
paths = me.pattern_files(Path('/work/shared/patterns')); reg, _ = suite.split(paths)
WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 99.0)
REG = {}


def top3(rank, pool):
    return [pool[n] for n in np.argsort(-rank, kind='stable')[:3]]


def one(job):
    path, alt, truth = job
    fps, index = REG['fps'], REG['index']
    q = me._query_fingerprint(suite.alter(me._open(path), path.name, alt))
    rec = {}

    def spy(query, scored, got, cosines, hamming, group_of, designs):
        pq = E._PhotoQuery.of(query)
        if pq is None:
            return scored
        rest = [k for k in got if k not in cosines]
        by_key = cosines | dict(zip(rest, E.embedding_similarities(query, [got[k] for k in rest]).tolist()))
        keys = list(got)
        nearest = np.argsort(-np.array([by_key[k] for k in keys]), kind='stable')
        pool = [keys[n] for n in nearest[:E.PHOTO_POOL]]
        agreements = {k: pq.agreement(got[k]) for k in pool}
        spectral = E._spreads(np.array([agreements[k].max() for k in pool]))
        emb = E._spreads(np.array([by_key[k] for k in pool]))
        chosen = {w: top3(w * emb + spectral if w < 99 else emb, pool) for w in WEIGHTS}
        aligned = {}
        for k in sorted({k for c in chosen.values() for k in c}):
            a = E.photo_alignment(query, got[k], quick=True, agreement=agreements[k])
            aligned[k] = (float(a.value), float(a.z))
        rec.update(chosen=chosen, aligned=aligned, fetched=truth in got, pool=truth in pool)
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
    REG.update(fps=fps, index=index)
    jobs = [(p, a, reg.index(p) if p in reg else -1) for p in paths for a in ('market_photo', 'market_photo+hue_90')]
    out = []
    with multiprocessing.get_context('fork').Pool(2, initializer=me._single_thread) as pool:
        for n, r in enumerate(pool.imap_unordered(one, jobs, chunksize=2)):
            out.append(r)
            if n % 100 == 0: print(n, len(jobs), time.strftime('%H:%M:%S'), flush=True)
    pickle.dump(out, open('/tmp/lab/lead/poolw.pkl', 'wb'))
    print('done', flush=True)
