"""Lab: a wider pool ranked by a cheap coarse search. Every market-photo query whose photo
stage runs: pool of P by cosine; for each, spectral agreement, cosine, coarse peaks (c0: best
half-res peak of the 100 maps the spectra agree on best; c1: after the half descents of the 4
best); full alignment of the union of the shipped rank's top KOLD and c1's top KC."""
import os, sys, pickle, time
sys.path.insert(0, os.environ.get("WT", "/work/main")); os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
import multiprocessing
import cv2
import numpy as np
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
paths = me.pattern_files(Path('/work/shared/patterns')); reg, _ = suite.split(paths)
P = int(os.environ.get("P", "40")); KOLD = int(os.environ.get("KOLD", "6")); KC = int(os.environ.get("KC", "7"))
EVERY = int(os.environ.get("EVERY", "1"))
REG = {}
FIELDS = ("z", "ncc", "inverted", "coverage", "lp_z", "lp_ncc", "turn")
STEPS = np.array([E.PHOTO_SCALE_STEP, np.radians(E.PHOTO_TURN_STEP), E.PHOTO_SKEW_STEP, E.PHOTO_SKEW_STEP])


def coarse(query, cand, agreement):
    q, c = query.detail(), cand.detail()
    if q is None or c is None or min(c.grey.shape) < 2 * E.DETAIL_MIN_SIDE:
        return 0.0, 0.0, 0.0
    t0 = time.process_time()
    shape = c.grey.shape
    half = E._PhotoTarget(cv2.resize(c.grey, (shape[1] // 2, shape[0] // 2), interpolation=cv2.INTER_AREA))
    centre = np.array([q.grey.shape[1] / 2, q.grey.shape[0] / 2], np.float32)
    grid = E._photo_grid()

    def peak(p, at_half):
        return half.peak(E._photo_window(q.grey, 2 * E._photo_affine(p), centre, half.shape))
    order = np.argsort(-agreement, kind='stable')[:E.PHOTO_QUICK_MAPS]
    zs = sorted(((peak(grid[i], True), grid[i]) for i in order), key=lambda t: -t[0])
    c0 = zs[0][0]
    c1 = max(E._descend(peak, z, p, STEPS / 2, True, 3)[0] for z, p in zs[:E.PHOTO_QUICK_STARTS])
    return c0, c1, time.process_time() - t0


def one(job):
    path, alt, truth = job
    fps, index = REG['fps'], REG['index']
    q = me._query_fingerprint(suite.alter(me._open(path), path.name, alt))
    rec = {}

    def spy(query, scored, got, cosines, hamming, group_of, designs):
        pq = E._PhotoQuery.of(query)
        if pq is None:
            return scored
        by_key = E._every_cosine(query, got, cosines)
        near = E._nearest_first(by_key)
        pool = near[:P]
        t0 = time.process_time()
        agreements = {k: pq.agreement(got[k]) for k in pool}
        tagree = time.process_time() - t0
        spectral = {k: float(agreements[k].max()) for k in pool}
        old = pool[:E.PHOTO_POOL]
        rank = E._spreads(np.array([spectral[k] for k in old])) + E._spreads(np.array([by_key[k] for k in old]))
        order = [old[n] for n in np.argsort(-rank, kind='stable')]
        co = {k: coarse(query, got[k], agreements[k]) for k in pool}
        byc1 = sorted(pool, key=lambda k: -co[k][1])
        want = list(dict.fromkeys(order[:KOLD] + byc1[:KC]))
        aligned = {}
        ta = {}
        for k in want:
            t1 = time.process_time()
            a = E.photo_alignment(query, got[k], quick=True, agreement=agreements[k])
            ta[k] = time.process_time() - t1
            aligned[k] = dict({f: getattr(a, f) for f in FIELDS}, value=float(a.value))
        rec.update(order=order, pool=pool, near_rank={k: i for i, k in enumerate(near)}, aligned=aligned,
                   fetched=truth in got, cos={k: by_key[k] for k in pool}, spectral=spectral,
                   coarse=co, tagree=tagree, talign=ta, scored_match=any(r[3].is_match for r in scored))
        return scored
    real = E._photographed
    E._photographed = spy
    try:
        E.match(q, index, lambda ks: {k: fps[k] for k in ks}, photo=5)
    finally:
        E._photographed = real
    return path.name, alt, truth, rec


if __name__ == '__main__':
    me._single_thread()
    fps = {k: me._fingerprint_array(me._open(p)) for k, p in enumerate(reg)}
    index = E.MatchIndex()
    for k, f in fps.items(): index.add(k, f.vector)
    REG.update(fps=fps, index=index)
    jobs = [(p, a, reg.index(p) if p in reg else -1) for p in paths[::EVERY] for a in ('market_photo', 'market_photo+hue_90')]
    out = []
    print('jobs', len(jobs), time.strftime('%H:%M:%S'), flush=True)
    with multiprocessing.get_context('fork').Pool(2, initializer=me._single_thread) as pool:
        for n, r in enumerate(pool.imap_unordered(one, jobs, chunksize=2)):
            out.append(r)
            if n % 50 == 0: print(n, len(jobs), time.strftime('%H:%M:%S'), flush=True)
            if n % 100 == 0: pickle.dump(out, open('/tmp/lab/pool/pool_%s.pkl' % os.environ.get("TAG", "x"), 'wb'))
    pickle.dump(out, open('/tmp/lab/pool/pool_%s.pkl' % os.environ.get("TAG", "x"), 'wb'))
    print('done', time.strftime('%H:%M:%S'), flush=True)
