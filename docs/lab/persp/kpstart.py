"""Market photos: does the keypoint vote against the original give a start for a dense fit?
For each registered design's market photo: the engine's keypoint evidence against its
original alone (agreeing places, scale, rotation) beside the generator's own local scale
at the photo's centre (candidate work px per query work px)."""
import os, sys, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_suite as suite, fingerprint as fp, engine
from search.match_eval import pattern_files, _open, _fingerprint_array, _query_fingerprint
paths = pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALT = os.environ.get("ALT", "market_photo")

def true_scale(a, name):
    rng = suite._rng(name, ALT)
    m, _c = suite.photo_perspective(a.shape, rng)
    W, H = suite.PHOTO_SIZE
    inv = np.linalg.inv(m)
    p = inv @ np.array([W / 2, H / 2, 1.0]); p = p[:2] / p[2]
    def fwd(x, y):
        v = m @ np.array([x, y, 1.0]); return v[:2] / v[2]
    e = 1.0
    J = np.column_stack([(fwd(p[0] + e, p[1]) - fwd(p[0] - e, p[1])) / (2 * e), (fwd(p[0], p[1] + e) - fwd(p[0], p[1] - e)) / (2 * e)])
    return float(np.sqrt(abs(np.linalg.det(J)))), J  # photo px per tile px

def one(path):
    a = _open(path)
    c = _fingerprint_array(a)
    q = _query_fingerprint(suite.alter(a, path.name, ALT))
    s, J = true_scale(a, path.name)
    h, w = a.shape[:2]
    cw = min(1.0, fp.WORK_SIDE / max(h, w))           # candidate work px per tile px
    qw = fp.WORK_SIDE / max(suite.PHOTO_SIZE)          # query work px per photo px
    truth = cw / (qw * s)                               # candidate work px per query work px
    ev = engine._keypoint_evidence(q, [c])[0]
    U, S, Vt = np.linalg.svd(J)
    return path.name, float(ev.count), float(ev.scale), float(ev.rotation), truth, float(S[0] / S[1])

if __name__ == "__main__":
    rows = {}
    if len(sys.argv) > 1:
        for l in open(sys.argv[1]):
            r = json.loads(l)
            if r["alteration"] == ALT and r["truth"] >= 0: rows[r["file"]] = r["found"]
    with Pool(2) as pool:
        res = pool.map(one, reg, chunksize=4)
    miss = [r for r in res if not rows.get(r[0], False)]
    print("photos", len(res), "missed", len(miss))
    for label, group in (("all", res), ("missed", miss)):
        err = np.array([abs(np.log(r[2] / r[4])) if r[1] > 0 else 9 for r in group])
        cnt = np.array([r[1] for r in group])
        print(label, "vote >=1:", int((cnt > 0).sum()), ">=3:", int((cnt >= 3).sum()),
              "scale within 3%:", int((err < 0.03).sum()), "5%:", int((err < 0.05).sum()), "10%:", int((err < 0.1).sum()))
    aniso = np.array([r[5] for r in res]); print("anisotropy of the local affine: median %.3f p90 %.3f" % (np.median(aniso), np.percentile(aniso, 90)))
    for r in miss[:15]: print("  %-36s count %.0f vote scale %.3f rot %.0f truth %.3f" % r[:5])
