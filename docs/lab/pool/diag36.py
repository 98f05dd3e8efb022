"""Lab: for registered market photos whose original was aligned without passing, the fold at
the generator's own homography (ceiling), ECC started from it, and the shipped search; the
homography error of each (median px of the candidate detail, modulo the tile).
Args: a file of 'name|alt' lines."""
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, os.environ.get("WT", "/work/main"))
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
paths = me.pattern_files(Path("/work/shared/patterns"))
by_name = {p.name: p for p in paths}


def setup(name, alt):
    a = me._open(by_name[name]); cand = me._fingerprint_array(a)
    q = me._query_fingerprint(suite.alter(a, name, alt))
    qd, cd = q.detail(), cand.detail()
    m, _ = suite.photo_perspective(a.shape, suite._rng(name, alt))
    Qi = np.array([[1 / qd.fx, 0, 0.5 / qd.fx - 0.5], [0, 1 / qd.fy, 0.5 / qd.fy - 0.5], [0, 0, 1.0]])
    C = np.array([[cd.fx, 0, 0.5 * cd.fx - 0.5], [0, cd.fy, 0.5 * cd.fy - 0.5], [0, 0, 1.0]])
    h, w = cd.grey.shape
    T = np.array([[1, 0, w], [0, 1, h], [0, 0, 1.0]]) @ C @ np.linalg.inv(m) @ Qi
    return a, cand, q, qd, cd, T


def err(H, T, qd, cd):
    qh, qw = qd.grey.shape
    ys, xs = np.mgrid[4:qh:8, 4:qw:8].astype(float); pts = np.stack([xs, ys], -1).reshape(-1, 2)
    size = np.array([cd.grey.shape[1], cd.grey.shape[0]], float)
    d = E._project(H, pts) - E._project(T, pts)
    d = (d + size / 2) % size - size / 2
    return float(np.median(np.linalg.norm(d, axis=1)))


def run(q, cand, mode, T):
    """mode: ship | truth | ecc_truth. Returns (alignment, ECC's homographies)."""
    real_ecc, real_pl = cv2.findTransformECC, E._plausible
    seen = []

    def ecc(template, tiled, start, *args):
        if mode == "truth":
            r = (1.0, T.astype(np.float32))
        elif mode == "ecc_truth":
            r = real_ecc(template, tiled, T.astype(np.float32), *args)
        else:
            r = real_ecc(template, tiled, start, *args)
        seen.append(r[1].astype(float))
        return r
    cv2.findTransformECC = ecc
    if mode != "ship":
        E._plausible = lambda *a: True
        gate = E.PHOTO_ECC_GATE; E.PHOTO_ECC_GATE = -1e9
    try:
        al = E.photo_alignment(q, cand, quick=True)
    finally:
        cv2.findTransformECC = real_ecc; E._plausible = real_pl
        if mode != "ship":
            E.PHOTO_ECC_GATE = gate
    return al, seen


def one(job):
    name, alt = job
    a, cand, q, qd, cd, T = setup(name, alt)
    out = {}
    for mode in ("ship", "truth", "ecc_truth"):
        al, seen = run(q, cand, mode, T)
        out[mode] = (round(al.z, 1), round(al.value, 3), [round(err(H, T, qd, cd), 2) for H in seen])
    return name, alt, out


if __name__ == "__main__":
    jobs = [tuple(l.strip().split("|")) for l in open(sys.argv[1]) if l.strip()]
    with Pool(int(os.environ.get("PROCS", "2"))) as pool:
        out = pool.map(one, jobs, chunksize=1)
    for o in out:
        print(o)
    for mode in ("ship", "truth", "ecc_truth"):
        print(mode, "pass", sum(o[2][mode][1] > 0.3 for o in out), "of", len(out))
