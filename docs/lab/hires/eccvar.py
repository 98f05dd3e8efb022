"""Lab: ECC variants from the generator's local affine at the photo's centre: how far the
homography ends from the generator's (median displacement over the photo, candidate detail
px), for the 43 aligned-without-passing photos and 43 found ones. Args: photoloss output, rows."""
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

def ecc(template, tiled, start, smoothing, iters=60):
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, iters, 1e-5)
    try:
        _, h = cv2.findTransformECC(template.astype(np.float32), tiled.astype(np.float32), start.astype(np.float32), cv2.MOTION_HOMOGRAPHY, crit, None, smoothing)
        return h.astype(float)
    except cv2.error:
        return None

def one(job):
    name, alt = job
    a = me._open(by_name[name])
    cand = me._fingerprint_array(a)
    photo = suite.alter(a, name, alt)
    q = me._query_fingerprint(photo)
    qd, cd = q.detail(), cand.detail()
    m, _ = suite.photo_perspective(a.shape, suite._rng(name, alt))
    size = np.array([cd.grey.shape[1], cd.grey.shape[0]], float)
    # truth: query detail px -> candidate detail px (3x3 tiling) -> +1 tile = 5x5 tiling
    Qi = np.diag([1 / qd.fx, 1 / qd.fy, 1.0]); C = np.diag([cd.fx, cd.fy, 1.0])
    T = C @ np.linalg.inv(m) @ Qi
    T = np.array([[1, 0, size[0]], [0, 1, size[1]], [0, 0, 1.0]]) @ T
    T /= T[2, 2]
    qh, qw = qd.grey.shape
    qc = np.array([qw / 2, qh / 2])
    pc = E._project(T, qc)
    J = np.stack([E._project(T, qc + [1, 0]) - pc, E._project(T, qc + [0, 1]) - pc], 1)
    start = np.eye(3); start[:2, :2] = J; start[:2, 2] = pc - J @ qc
    ys, xs = np.mgrid[0:qh:8, 0:qw:8].astype(float); pts = np.stack([xs, ys], -1).reshape(-1, 2)
    truth = E._project(T, pts)
    def err(h):
        if h is None: return 999.0
        return float(np.median(np.linalg.norm(E._project(h, pts) - truth, axis=1)))
    tiled = np.tile(cd.grey, (5, 5))
    out = {"start": err(start)}
    for s in (1, 3, 5):
        out[f"detail_s{s}"] = err(ecc(qd.grey, tiled, start, s))
    out["detail_s3_i200"] = err(ecc(qd.grey, tiled, start, 3, 200))
    # the fine grey resampled so one px is one candidate px (about), ECC there
    fine = fp.photo_grey(photo) if False else q.photo()
    r = np.sqrt(abs(np.linalg.det(J)))  # candidate px per query detail px
    f = fine.shape[1] / qw  # fine px per detail px
    scale = r  # want template px = candidate px: template px per detail px = r
    tw, th = int(round(qw * scale)), int(round(qh * scale))
    tmpl = cv2.resize(fine, (tw, th), interpolation=cv2.INTER_AREA)
    tmpl = (tmpl - tmpl.mean()) / (tmpl.std() + 1e-6)
    S = np.diag([scale, scale, 1.0])  # detail px -> template px (ignoring half-px)
    st2 = start @ np.linalg.inv(S)
    for s in (1, 3):
        h2 = ecc(tmpl, tiled, st2, s)
        out[f"fine_s{s}"] = err(None if h2 is None else h2 @ S)
    return name, alt, out

if __name__ == "__main__":
    cls = {}
    for l in open(sys.argv[1]):
        if l.startswith("   ("):
            t = ast.literal_eval(l.strip()); cls[(t[0], t[1])] = t[2]
    rows = [json.loads(l) for l in open(sys.argv[2])]
    jobs = [k for k, c in cls.items() if c.startswith("aligned")]
    found = [(r["file"], r["alteration"]) for r in rows if r["truth"] >= 0 and r["found"]][::7]
    with Pool(2) as pool:
        out = pool.map(one, jobs + found, chunksize=1)
    json.dump(out, open("/tmp/lab/hires/eccvar.json", "w"))
    for label, part in (("aligned, no pass", out[: len(jobs)]), ("found", out[len(jobs):])):
        print(label, len(part))
        for key in part[0][2]:
            e = np.array([o[2][key] for o in part])
            print("   %-16s median %.2f  <=1px %.2f  <=2px %.2f" % (key, np.median(e), (e <= 1).mean(), (e <= 2).mean()))
