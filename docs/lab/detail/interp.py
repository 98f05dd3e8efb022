"""The query brought to the candidate's pixel scale by INTER_AREA (shipped) or by a
Gaussian anti-alias + INTER_LINEAR: the original's detail statistics, passes of the rule."""
import os, sys, pickle
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_suite as suite, engine
from search.match_eval import pattern_files, _open, _fingerprint_array, _query_fingerprint
paths = pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALTS = os.environ.get("ALTS", "crop_70+jpeg_30,crop_70,crop_50,resize_0.5,resize_2,shifted_repeat+resize_0.5,jpeg_30").split(",")
VARS = ["area", "lin", "linblur"]
QUERIES = os.environ.get("QUERIES", "reg")

def resized(grey, rx, ry, var):
    h, w = grey.shape
    size = (max(1, round(w * rx)), max(1, round(h * ry)))
    if size == (w, h): return grey
    if var == "area":
        return cv2.resize(grey, size, interpolation=cv2.INTER_AREA if size[0] < w else cv2.INTER_LINEAR)
    g = grey
    if var == "linblur" and rx < 1:
        g = cv2.GaussianBlur(g, (0, 0), 0.5 * np.sqrt(1 / rx ** 2 - 1) + 1e-3, 0.5 * np.sqrt(1 / ry ** 2 - 1) + 1e-3)
    return cv2.resize(g, size, interpolation=cv2.INTER_LINEAR)

def _init():
    global C
    C = pickle.load(open("/tmp/lab/regfps_blocks.pkl", "rb"))

def one(job):
    path, alt, t = job
    q = _query_fingerprint(suite.alter(_open(path), path.name, alt)).detail()
    out = {}
    targets = [t] if t >= 0 else range(len(C))
    for v in VARS:
        vals = []
        for i in targets:
            c = C[i]
            rx, ry = c.fx / q.fx, c.fy / q.fy
            g = resized(q.grey, rx, ry, v)
            qa = engine._prepare_query(g, 1.0, 1.0, c.grey.shape)
            al = engine._align(qa, engine._CandidateDetail(c.grey)) if qa is not None else engine._Alignment()
            vals.append(al.value)
        out[v] = np.array(vals)
    return path.name, alt, out

if __name__ == "__main__":
    names = [p.name for p in reg]
    if QUERIES == "dis":
        jobs = [(p, a, -1) for p in dis for a in ALTS]
    else:
        jobs = [(p, a, names.index(p.name)) for p in reg for a in ALTS]
    with Pool(2, initializer=_init) as pool:
        res = pool.map(one, jobs, chunksize=4)
    pickle.dump(res, open(f"/tmp/lab/interp_{QUERIES}.pkl", "wb"))
    for alt in ALTS:
        print(alt, {v: int(sum((d[v] > 0.3).any() for n, a, d in res if a == alt)) for v in VARS})
