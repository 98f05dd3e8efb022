"""Lab: the ceiling a perfect perspective estimate could give the market photos: the photo's
stored detail rectified by the generator's exact perspective onto one tile (row 38 (b)),
the shipped detail rule against its original, in union with what the engine finds."""
import os, sys, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)

def rectified_detail(a, name, alt):
    photo = suite.alter(a, name, alt)
    m, (cx, cy) = suite.photo_perspective(a.shape, suite._rng(name, alt))
    span = suite._rng(name, alt).uniform(1.3, 2.0) * a.shape[1]
    h, w = a.shape[:2]
    ww = int(min(w, span * 0.95)); wh = int(min(h, span * 0.7))
    bx, by = np.meshgrid(cx - ww / 2 + np.arange(ww), cy - wh / 2 + np.arange(wh))
    pts = np.stack([bx, by, np.ones_like(bx)], -1) @ m.T
    mx = (pts[..., 0] / pts[..., 2]).astype(np.float32); my = (pts[..., 1] / pts[..., 2]).astype(np.float32)
    MODE = os.environ.get("MODE", "exact")
    if MODE == "fit":  # the best affine over the window
        A = np.stack([bx.ravel() - cx, by.ravel() - cy, np.ones(bx.size)], 1)
        sx, *_ = np.linalg.lstsq(A, mx.ravel(), rcond=None); sy, *_ = np.linalg.lstsq(A, my.ravel(), rcond=None)
        mx = (A @ sx).reshape(bx.shape).astype(np.float32); my = (A @ sy).reshape(bx.shape).astype(np.float32)
    elif MODE in ("centre", "half"):  # the local affine at the window's centre
        def f(x, y):
            v = m @ [x, y, 1.0]; return v[:2] / v[2]
        c0 = f(cx, cy); J = np.stack([f(cx + 1, cy) - c0, f(cx, cy + 1) - c0], 1)
        if MODE == "half":
            keep = (np.abs(bx - cx) <= ww / 4) & (np.abs(by - cy) <= wh / 4)
            rows_, cols_ = np.where(keep.any(1))[0], np.where(keep.any(0))[0]
            bx, by = bx[rows_][:, cols_], by[rows_][:, cols_]
        pr = np.stack([bx.ravel() - cx, by.ravel() - cy], 1) @ J.T + c0
        mx = pr[:, 0].reshape(bx.shape).astype(np.float32); my = pr[:, 1].reshape(bx.shape).astype(np.float32)
    elif MODE == "similarity":  # the local similarity at the centre (scale and turn only)
        def f(x, y):
            v = m @ [x, y, 1.0]; return v[:2] / v[2]
        c0 = f(cx, cy); J = np.stack([f(cx + 1, cy) - c0, f(cx, cy + 1) - c0], 1)
        U, S, Vt = np.linalg.svd(J); J = np.sqrt(S[0] * S[1]) * (U @ Vt)
        pr = np.stack([bx.ravel() - cx, by.ravel() - cy], 1) @ J.T + c0
        mx = pr[:, 0].reshape(bx.shape).astype(np.float32); my = pr[:, 1].reshape(bx.shape).astype(np.float32)
    qd = me._query_fingerprint(photo).detail()
    g = cv2.remap(qd.grey, mx * qd.fx, my * qd.fy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return fp.detail(g, (1.0, 1.0))

class Q:
    def __init__(self, d): self._d = d
    def detail(self): return self._d

def one(job):
    p, alt = job
    a = me._open(p)
    c = me._fingerprint_array(a)
    w = engine._DetailWork(Q(rectified_detail(a, p.name, alt)), [c]); w.run()
    return p.name, alt, float(w.out[0].value)

if __name__ == "__main__":
    rows = {(r["file"], r["alteration"]): r for r in map(json.loads, open(sys.argv[1]))}
    alts = ["market_photo", "market_photo+hue_90"]
    with Pool(2) as pool:
        res = pool.map(one, [(p, a) for p in reg for a in alts], chunksize=4)
    for alt in alts:
        R = [(n, v) for n, a, v in res if a == alt]
        ok = {n for n, v in R if v > engine.DETAIL_AT_THRESHOLD}
        found = {n for n, _ in R if rows[(n, alt)]["found"]}
        print(alt, "oracle pass %.3f" % (len(ok) / len(R)), "engine %.3f" % (len(found) / len(R)), "union %.3f" % (len(ok | found) / len(R)))
