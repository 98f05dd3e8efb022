"""Lab: can the power spectra choose which designs to align as a photo? For every
EVERY-th registered design's market photo: the original's rank among all 213 registered
designs by the best spectral agreement over the 2,100 maps, by the embedding's cosine,
and by a mix of the two."""
import os, sys, json, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
from threadpoolctl import threadpool_limits; threadpool_limits(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALT = os.environ.get("ALT", "market_photo"); EVERY = int(os.environ.get("EVERY", "3"))
FPS = None
def init():
    global FPS
    import pickle
    FPS = pickle.load(open("/tmp/lab/regfps.pkl", "rb"))
def one(job):
    i, pool_dis = job
    p = (dis if pool_dis else reg)[i]; a = me._open(p)
    q = me._query_fingerprint(suite.alter(a, p.name, ALT))
    qd = q.detail()
    spec = np.array([engine._spectral_agreement(qd.grey, f.detail().grey).max() if f.detail() is not None and min(f.detail().grey.shape) >= 64 else 0 for f in FPS])
    emb = engine.embedding_similarities(q, FPS)
    return p.name, (-1 if pool_dis else i), spec.tolist(), emb.tolist()
if __name__ == "__main__":
    import pickle
    if not os.path.exists("/tmp/lab/regfps.pkl"):
        with Pool(2) as pool:
            fps = pool.map(me._fingerprint_array, [me._open(p) for p in reg], chunksize=8)
        pickle.dump(fps, open("/tmp/lab/regfps.pkl", "wb"))
    jobs = [(i, False) for i in range(0, len(reg), EVERY)] + [(i, True) for i in range(0, len(dis), EVERY)]
    t = time.time()
    with Pool(2, initializer=init) as pool:
        res = pool.map(one, jobs, chunksize=2)
    json.dump(res, open(f"/tmp/lab/specrank_{ALT}_{EVERY}.json", "w"))
    print("done", time.time() - t)
