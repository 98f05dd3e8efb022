"""Lab: ECC from the quick search's own start (ECC forced whatever the peak; env ECC_GATE), one
step at the candidate's scale or two (the detail first), or from the window's 4 best peaks:
whether the fold passes (row 82's 9 / 10 with ECC_GATE=-1, 7 / 8 one / peaks4 at 5). Args: photoloss output, rows."""
import os, sys, json, ast
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
os.environ.setdefault("ECC_GATE", "-1")  # -1: ECC at every peak; PEAKS mode: 5
os.environ.setdefault("FINE_ECC", "1")
MODES = {"one": {}, "two": {"ECC_TWO": "1"}, "peaks4": {"PEAKS": "4"}}
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine as E
paths = me.pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(paths)
by_name = {p.name: p for p in paths}

def one(job):
    name, alt = job
    a = me._open(by_name[name]); cand = me._fingerprint_array(a)
    photo = suite.alter(a, name, alt); q = me._query_fingerprint(photo)
    qd, cd = q.detail(), cand.detail()
    m, _ = suite.photo_perspective(a.shape, suite._rng(name, alt))
    size = np.array([cd.grey.shape[1], cd.grey.shape[0]], float)
    Qi = np.array([[1 / qd.fx, 0, 0.5 / qd.fx - 0.5], [0, 1 / qd.fy, 0.5 / qd.fy - 0.5], [0, 0, 1.0]])
    C = np.array([[cd.fx, 0, 0.5 * cd.fx - 0.5], [0, cd.fy, 0.5 * cd.fy - 0.5], [0, 0, 1.0]])
    T = C @ np.linalg.inv(m) @ Qi
    qh, qw = qd.grey.shape
    ys, xs = np.mgrid[0:qh:8, 0:qw:8].astype(float); pts = np.stack([xs, ys], -1).reshape(-1, 2)
    truth = E._project(T, pts)
    got = {}
    real_ecc = cv2.findTransformECC
    def spy(template, tiled, start, *args):
        r = real_ecc(template, tiled, start, *args)
        got.setdefault("h", []).append((template.shape, r[1].astype(float)))
        return r
    def err(h_detail):
        p = E._project(h_detail, pts)
        d = (p - truth + size / 2) % size - size / 2  # modulo the tile
        d = d - np.median(d, 0) * 0  # keep absolute
        return float(np.median(np.linalg.norm(d, axis=1)))
    out = {}
    for mode, switches in MODES.items():
        os.environ.pop("ECC_TWO", None); os.environ.pop("PEAKS", None); os.environ.update(switches)
        got.clear(); cv2.findTransformECC = spy
        try:
            al = E.photo_alignment(q, cand, quick=True)
        finally:
            cv2.findTransformECC = real_ecc
        out[mode] = (round(al.z, 1), round(al.value, 3))
    return name, alt, out

if __name__ == "__main__":
    cls = {}
    for l in open(sys.argv[1]):
        if l.startswith("   ("):
            t = ast.literal_eval(l.strip()); cls[(t[0], t[1])] = t[2]
    jobs = [k for k, c in cls.items() if c.startswith("aligned")]
    with Pool(2) as pool:
        out = pool.map(one, jobs, chunksize=1)
    for mode in MODES:
        print(mode, "pass", sum(o[2][mode][1] > 0.3 for o in out), "of", len(out))
