"""Lab: for registered market photos, how far the photo stage's best affine (quick search,
against the original alone) is from the generator's own local affine at the photo's centre,
in grid steps (log scale, turn, anisotropy, shear); the truth's nearest grid map's rank by
spectral agreement; the whitened peak at the engine's map and at the truth. Args: the
photoloss output (for its classes), ROWS (eval rows)."""
import os, sys, json, ast, collections
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine as E
paths = me.pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(paths)
by_name = {p.name: p for p in paths}

def params(A):
    s = np.sqrt(abs(np.linalg.det(A))); B = A / s
    Q, R = np.linalg.qr(B)
    D = np.diag(np.sign(np.diag(R))); Q, R = Q @ D, D @ R
    return np.array([np.log(s), np.arctan2(Q[1, 0], Q[0, 0]), np.log(R[0, 0]), R[0, 1] / R[1, 1]])

STEPS = np.array([E.PHOTO_SCALE_STEP, np.radians(E.PHOTO_TURN_STEP), E.PHOTO_SKEW_STEP, E.PHOTO_SKEW_STEP])

def one(job):
    name, alt = job
    a = me._open(by_name[name])
    cand = me._fingerprint_array(a)
    photo = suite.alter(a, name, alt)
    q = me._query_fingerprint(photo)
    qd, cd = q.detail(), cand.detail()
    m, _ = suite.photo_perspective(a.shape, suite._rng(name, alt))
    X0 = np.linalg.inv(m) @ [photo.shape[1] / 2, photo.shape[0] / 2, 1]; X0 = X0[:2] / X0[2]
    def f(X):
        v = m @ [X[0], X[1], 1.0]; return v[:2] / v[2]
    J = np.stack([f(X0 + [1, 0]) - f(X0), f(X0 + [0, 1]) - f(X0)], 1)
    A = np.diag([qd.fx, qd.fy]) @ J @ np.diag([1 / cd.fx, 1 / cd.fy])
    pt = params(A)
    calls = []
    real = E._photo_affine
    def spy(p):
        calls.append(p); return real(p)
    E._photo_affine = spy
    try:
        al = E.photo_alignment(q, cand, quick=True)
    finally:
        E._photo_affine = real
    pe = np.array(calls[-1])
    err = (pe - pt) / STEPS
    grid = np.array(E._photo_grid())
    pq = E._PhotoQuery.of(q); ag = pq.agreement(cand)
    near = int(np.argmin((((grid - pt) / STEPS) ** 2).sum(1)))
    rank = int((ag > ag[near]).sum()) + 1
    shape = cd.grey.shape
    centre = np.array([qd.grey.shape[1] / 2, qd.grey.shape[0] / 2], np.float32)
    full = E._PhotoTarget(cd.grey)
    zt = full.peak(E._photo_window(qd.grey, real(tuple(pt)), centre, shape))
    ze = full.peak(E._photo_window(qd.grey, real(tuple(pe)), centre, shape))
    return name, alt, pt.round(3).tolist(), err.round(2).tolist(), rank, round(zt, 1), round(ze, 1), round(al.z, 1), round(al.value, 3)

if __name__ == "__main__":
    cls = {}
    for l in open(sys.argv[1]):
        if l.startswith("   ("):
            t = ast.literal_eval(l.strip()); cls[(t[0], t[1])] = t[2]
    rows = [json.loads(l) for l in open(sys.argv[2])]
    jobs = [k for k, c in cls.items() if c.startswith("aligned")]
    found = [(r["file"], r["alteration"]) for r in rows if r["truth"] >= 0 and r["found"]][::6]
    with Pool(2) as pool:
        out = pool.map(one, jobs + found, chunksize=1)
    json.dump(out, open("/tmp/lab/hires/affdiag.json", "w"))
    for label, part in (("aligned, no pass", out[: len(jobs)]), ("found", out[len(jobs):])):
        print(label, len(part))
        E_ = np.array([o[3] for o in part]); R_ = np.array([o[4] for o in part])
        print("  |err| median per param (steps)", np.median(np.abs(E_), 0).round(2), " within 1 step all:", (np.abs(E_) <= 1).all(1).mean().round(2))
        print("  truth's grid map rank: median", np.median(R_), " <=100:", (R_ <= 100).mean().round(2))
        print("  z at truth median", np.median([o[5] for o in part]), " z at engine's map", np.median([o[6] for o in part]))
        for o in part[:60]: print("   ", o)
