"""Lab: which designs should the photo stage align? For every EVERY-th registered
design's market photo: the pool as engine item 18 makes it (the embedding's PHOTO_POOL
nearest of all fetched), each design's best spectral agreement, cosine, and the best
half-resolution whitened peak over its K best spectral maps; the original's rank by each."""
import os, sys, json, pickle, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
from threadpoolctl import threadpool_limits; threadpool_limits(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALT = os.environ.get("ALT", "market_photo"); EVERY = int(os.environ.get("EVERY", "3"))
KS = (5, 10, 20, 40, 100)
POOL = int(os.environ.get("POOL", E.PHOTO_POOL)); HALF = int(os.environ.get("HALF", "1"))
fps = pickle.load(open("/tmp/lab/regfps.pkl", "rb"))
index = E.MatchIndex()
for k, f in enumerate(fps): index.add(k, f.vector)

def halfpeaks(q, c, agreement):
    qd, cd = q.detail(), c.detail()
    if qd is None or cd is None or min(cd.grey.shape) < 2 * E.DETAIL_MIN_SIDE:
        return [0.0] * len(KS)
    shape = cd.grey.shape
    half = E._PhotoTarget(cv2.resize(cd.grey, (shape[1] // 2, shape[0] // 2), interpolation=cv2.INTER_AREA))
    centre = np.array([qd.grey.shape[1] / 2, qd.grey.shape[0] / 2], np.float32)
    grid = E._photo_grid()
    order = np.argsort(-agreement, kind="stable")[:max(KS)]
    z = [half.peak(E._photo_window(qd.grey, 2 * E._photo_affine(grid[i]), centre, half.shape)) for i in order]
    return [max(z[:k]) for k in KS]

def one(job):
    i, is_dis = job
    p = (dis if is_dis else reg)[i]
    q = me._query_fingerprint(suite.alter(me._open(p), p.name, ALT))
    keys = [k for k, _ in index.candidates(q, E.SHORTLIST, E.EMBED_SHORTLIST + E.EMBED_DETAIL_SHORTLIST)]
    cos = E.embedding_similarities(q, [fps[k] for k in keys])
    pool = [keys[n] for n in np.argsort(-cos, kind="stable")[:POOL]]
    pq = E._PhotoQuery.of(q)
    t = time.process_time()
    out = []
    for k in pool:
        ag = pq.agreement(fps[k])
        out.append([k, float(cos[keys.index(k)]), float(ag.max())] + (halfpeaks(q, fps[k], ag) if HALF else [0.0] * len(KS)))
    return p.name, (-1 if is_dis else i), (i in keys) if not is_dis else None, out, time.process_time() - t

if __name__ == "__main__":
    jobs = [(i, False) for i in range(0, len(reg), EVERY)] + [(i, True) for i in range(0, len(dis), EVERY)]
    with Pool(2) as pool:
        res = pool.map(one, jobs, chunksize=2)
    json.dump(res, open(f"/tmp/lab/choose_{ALT}_{EVERY}_{POOL}.json", "w"))
    print("done")
