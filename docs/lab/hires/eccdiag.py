"""Lab: the photo stage's homography refinement (ECC, then one tile and the fold, from the
fine grey) started from the generator's own local affine at the photo's centre, and from
the quick search's best affine (ECC forced), for the registered market photos whose original
was aligned without passing. Args: photoloss output."""
import os, sys, json, ast
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
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
    a = me._open(by_name[name])
    cand = me._fingerprint_array(a)
    photo = suite.alter(a, name, alt)
    q = me._query_fingerprint(photo)
    qd, cd = q.detail(), cand.detail()
    m, _ = suite.photo_perspective(a.shape, suite._rng(name, alt))
    minv = np.linalg.inv(m)
    qc = np.array([qd.grey.shape[1] / 2, qd.grey.shape[0] / 2])
    def to_cand(qp):  # query detail px -> candidate detail px (3x3 tiling coords)
        v = minv @ [qp[0] / qd.fx, qp[1] / qd.fy, 1.0]; X = v[:2] / v[2]
        return X * [cd.fx, cd.fy]
    Pc = to_cand(qc)
    Jinv = np.stack([to_cand(qc + [1, 0]) - Pc, to_cand(qc + [0, 1]) - Pc], 1)
    A = np.linalg.inv(Jinv)  # candidate px -> query px, locally
    size = np.array([cd.grey.shape[1], cd.grey.shape[0]], float)
    offset = qc - A @ (Pc % size)
    target = E._CandidateDetail(cd.grey)
    fine = E._FineGrey.of(q, qd)
    out = {}
    r = E._homography_alignment(qd.grey, target, A, offset, (0, 0), fine, (cand.width, cand.height))
    out["truth_start"] = (round(r.z, 1), round(r.value, 3))
    r = E._homography_alignment(qd.grey, target, A, offset, (0, 0), None)
    out["truth_start_coarse"] = (round(r.z, 1), round(r.value, 3))
    return name, alt, out

if __name__ == "__main__":
    cls = {}
    for l in open(sys.argv[1]):
        if l.startswith("   ("):
            t = ast.literal_eval(l.strip()); cls[(t[0], t[1])] = t[2]
    jobs = [k for k, c in cls.items() if c.startswith("aligned")]
    with Pool(2) as pool:
        out = pool.map(one, jobs, chunksize=1)
    for key in ("truth_start", "truth_start_coarse"):
        print(key, "pass", sum(o[2][key][1] > 0.3 for o in out), "of", len(out))
    for o in out: print("  ", o)
