"""Lab: can the stored keypoints give the photo's homography? For every registered market
photo, query keypoints matched to the original's (RootSIFT, top-k), and how many agree with
the generator's own map modulo the tile (within TOL candidate detail px)."""
import os, sys, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine as E
paths = me.pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(paths)
TOL = float(os.environ.get("TOL", "2"))

def to_detail(f, d):
    sx = d.grey.shape[1] / f.width; sy = d.grey.shape[0] / f.height
    return np.array([[sx, 0, (sx - 1) / 2], [0, sy, (sy - 1) / 2], [0, 0, 1.0]])

def one(job):
    p, alt = job
    a = me._open(p); cand = me._fingerprint_array(a)
    photo = suite.alter(a, p.name, alt); q = me._query_fingerprint(photo)
    qd, cd = q.detail(), cand.detail()
    m, _ = suite.photo_perspective(a.shape, suite._rng(p.name, alt))
    size = np.array([cd.grey.shape[1], cd.grey.shape[0]], float)
    Qi = np.array([[1 / qd.fx, 0, 0.5 / qd.fx - 0.5], [0, 1 / qd.fy, 0.5 / qd.fy - 0.5], [0, 0, 1.0]])
    C = np.array([[cd.fx, 0, 0.5 * cd.fx - 0.5], [0, cd.fy, 0.5 * cd.fy - 0.5], [0, 0, 1.0]])
    T = C @ np.linalg.inv(m) @ Qi
    qp, qdsc = q.keypoints(); cp, cdsc = cand.keypoints()
    if len(qp) == 0 or len(cp) == 0:
        return p.name, alt, {"n": 0}
    qx = E._project(to_detail(q, qd), qp[:, :2].astype(float))
    cx = E._project(to_detail(cand, cd), cp[:, :2].astype(float))
    rq, rc = fp.root_sift(qdsc), fp.root_sift(cdsc)
    d2 = (rq ** 2).sum(1)[:, None] + (rc ** 2).sum(1)[None] - 2 * rq @ rc.T
    order = np.argsort(d2, 1)
    truth = E._project(T, qx)
    def ok(j):
        e = (truth - cx[j] + size / 2) % size - size / 2
        return np.linalg.norm(e, axis=1) < TOL
    rows = np.arange(len(qx))
    d1 = d2[rows, order[:, 0]]; dd = d2[rows, order[:, 1]]
    ratio = np.sqrt(np.maximum(d1, 0) / np.maximum(dd, 1e-9))
    top1 = ok(order[:, 0])
    out = {"n": len(qx), "top1": int(top1.sum()), "ratio8": int((top1 & (ratio < 0.8)).sum()),
           "n_ratio8": int((ratio < 0.8).sum()),
           "top3": int(sum(ok(order[:, k]) for k in range(3)).astype(bool).sum())}
    return p.name, alt, out

if __name__ == "__main__":
    rows = {(r["file"], r["alteration"]): r for r in map(json.loads, open(sys.argv[1]))}
    alts = ["market_photo", "market_photo+hue_90"]
    jobs = [(p, a) for p in reg[::int(os.environ.get("EVERY", "1"))] for a in alts]
    with Pool(2) as pool:
        res = pool.map(one, jobs, chunksize=2)
    json.dump(res, open("/tmp/lab/kp/kptruth.json", "w"))
    for found in (True, False):
        R = [o for n, a, o in res if rows[(n, a)]["found"] == found and o["n"]]
        for key in ("top1", "ratio8", "top3"):
            v = np.array([o[key] for o in R])
            print("found" if found else "missed", key, "median", np.median(v), ">=8:", (v >= 8).mean().round(3), ">=15:", (v >= 15).mean().round(3), "n", len(v))
