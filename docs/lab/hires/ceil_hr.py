"""Lab: the market photos' ceiling at the generator's exact perspective, the photo's grey
taken from its 256 px detail (as the engine does) or from the photo's own pixels (800 x 600),
one tile around the centre or every repeat folded into one; the shipped detail rule against
the original. Env EVERY (default 1)."""
import os, sys, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
paths = me.pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(paths)
EVERY = int(os.environ.get("EVERY", "1"))

class Q:
    def __init__(self, d): self._d = d
    def detail(self): return self._d

def rule(g, cand):
    w = engine._DetailWork(Q(fp.detail(g, (1.0, 1.0))), [cand]); w.run()
    a = w.out[0]
    return float(a.value), float(a.z), float(a.lp_z)

def one(job):
    p, alt = job
    a = me._open(p)
    cand = me._fingerprint_array(a)
    photo = suite.alter(a, p.name, alt)
    m, (cx, cy) = suite.photo_perspective(a.shape, suite._rng(p.name, alt))
    span = suite._rng(p.name, alt).uniform(1.3, 2.0) * a.shape[1]
    h, w = a.shape[:2]
    ww = int(min(w, span * 0.95)); wh = int(min(h, span * 0.7))
    bx, by = np.meshgrid(cx - ww / 2 + np.arange(ww), cy - wh / 2 + np.arange(wh))
    pts = np.stack([bx, by, np.ones_like(bx)], -1) @ m.T
    mx = (pts[..., 0] / pts[..., 2]).astype(np.float32); my = (pts[..., 1] / pts[..., 2]).astype(np.float32)
    qd = me._query_fingerprint(photo).detail()
    out = {}
    lo = cv2.remap(qd.grey, mx * qd.fx, my * qd.fy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    out["detail_one"] = rule(lo, cand)
    full = fp.normalised_grey(photo).astype(np.float32)
    hi = cv2.remap(full, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    out["full_one"] = rule(hi, cand)
    # every repeat folded: tile px (x + j W, y + i H) of the 3 x 3 tiling -> photo
    for name, src, f in (("detail_fold", qd.grey, (qd.fx, qd.fy)), ("full_fold", full, (1.0, 1.0))):
        tot = np.zeros((h, w), np.float32); cnt = np.zeros((h, w), np.float32)
        tx, ty = np.meshgrid(np.arange(w, dtype=float), np.arange(h, dtype=float))
        ones = np.ones_like(src, np.float32)
        for i in range(3):
            for j in range(3):
                P = np.stack([tx + j * w, ty + i * h, np.ones_like(tx)], -1) @ m.T
                px = (P[..., 0] / P[..., 2] * f[0]).astype(np.float32); py = (P[..., 1] / P[..., 2] * f[1]).astype(np.float32)
                ins = cv2.remap(ones, px, py, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT)
                s = cv2.remap(src.astype(np.float32), px, py, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
                tot += s * ins; cnt += ins
        mean = tot.sum() / max(cnt.sum(), 1)
        g = np.where(cnt > 0, tot / np.maximum(cnt, 1), mean).astype(np.float32)
        out[name] = rule(g, cand)
    return p.name, alt, out

if __name__ == "__main__":
    rows = {(r["file"], r["alteration"]): r for r in map(json.loads, open(sys.argv[1]))}
    alts = ["market_photo", "market_photo+hue_90"]
    jobs = [(p, a) for p in reg[::EVERY] for a in alts]
    with Pool(2) as pool:
        res = pool.map(one, jobs, chunksize=2)
    json.dump(res, open("/tmp/lab/hires/ceil_hr.json", "w"))
    for alt in alts:
        R = [(n, o) for n, a, o in res if a == alt]
        found = {n for n, _ in R if rows[(n, alt)]["found"]}
        line = [alt, "engine %.3f" % (len(found) / len(R))]
        for mode in ("detail_one", "full_one", "detail_fold", "full_fold"):
            ok = {n for n, o in R if o[mode][0] > engine.DETAIL_AT_THRESHOLD}
            line.append("%s %.3f (union %.3f)" % (mode, len(ok) / len(R), len(ok | found) / len(R)))
        print(*line)
