"""Lab: a pixel-scale power-spectrum descriptor for the shortlist of JPEG'd / cropped copies.
Rank of the original among the 213 registered by cosine of centred log band powers."""
import os, sys, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings")
import cv2; cv2.setNumThreads(1)
import numpy as np
from pathlib import Path
from PIL import Image
from multiprocessing import Pool
sys.path.insert(0, os.getcwd())
from search import match_suite as suite, fingerprint as fp
from search.match_eval import pattern_files, _open

NR = int(os.environ.get("NR", "8")); NA = int(os.environ.get("NA", "8"))
R0, R1 = float(os.environ.get("R0", "0.02")), float(os.environ.get("R1", "0.16"))
ALTS = os.environ.get("ALTS", "jpeg_30,crop_70+jpeg_30,crop_70,original").split(",")
folder = Path(sys.argv[1]); paths = pattern_files(folder); reg, dis = suite.split(paths)

def detail(rgb):
    work = fp._work_array(Image.fromarray(rgb))
    g = fp.normalised_grey(work).astype(np.float32)
    h, w = g.shape
    s = min(1.0, 256 / max(h, w))
    if s < 1:
        g = cv2.resize(g, (max(8, round(w * s)), max(8, round(h * s))), interpolation=cv2.INTER_AREA)
    f = (g.shape[1] / rgb.shape[1], g.shape[0] / rgb.shape[0])
    g = g - g.mean()
    return g / (g.std() + 1e-3), f

def desc(g, f, window):
    h, w = g.shape
    if window:
        g = g * np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    P = np.abs(np.fft.rfft2(g)) ** 2
    fy = np.fft.fftfreq(h)[:, None] * f[1]; fx = np.fft.rfftfreq(w)[None, :] * f[0]  # cycles per file px
    fy = np.broadcast_to(fy, P.shape); fx = np.broadcast_to(fx, P.shape)
    r = np.hypot(fx, fy); a = np.mod(np.arctan2(fy, fx), np.pi)
    edges = np.geomspace(R0, R1, NR + 1)
    ri = np.digitize(r, edges) - 1; ai = np.minimum((a / np.pi * NA).astype(int), NA - 1)
    ok = (ri >= 0) & (ri < NR)
    idx = ri[ok] * NA + ai[ok]
    s = np.bincount(idx, P[ok], NR * NA); n = np.bincount(idx, None, NR * NA)
    v = np.log(s / np.maximum(n, 1) + 1e-6)
    v[n == 0] = np.nan
    return v

def one(job):
    p, alt = job
    q = suite.alter(_open(p), p.name, alt) if alt else _open(p)
    g, f = detail(q)
    return p.name, alt, desc(g, f, window=bool(alt) and alt != "original")

if __name__ == "__main__":
    with Pool(2) as pool:
        R = pool.map(one, [(p, None) for p in reg])
        Q = pool.map(one, [(p, a) for p in paths for a in ALTS], chunksize=8)
    regn = [r[0] for r in R]
    RV = np.stack([r[2] for r in R])
    np.savez("/tmp/lab/pspec.npz", RV=RV, regn=regn, qn=[q[0] for q in Q], qa=[q[1] for q in Q], QV=np.stack([q[2] for q in Q]))
    print("saved")
