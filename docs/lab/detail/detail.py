"""Lab: a pixel-scale whitened correlation at detail resolution (not the 64 px thumbnail).

With SIGMAS (row 39) also the surface and both greys low-passed by a Gaussian of each
sigma: ZLP and NLP beside Z and N (engine item 13 is SIGMAS=1 with SEP=0).

A JPEG'd or cropped copy of a design file keeps its pixel grid: placed at the
candidate's own pixel scale, the copy lines up with the registered tile at one shift.
For each query: whitened (phase) correlation against every registered design's detail
grey (normalised grey capped at D px), z = peak / RMS; original's z vs best other's.
"""
import os, sys, json, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings")
import cv2
cv2.setNumThreads(1)
import numpy as np
import scipy.fft as sf
from scipy import ndimage
from pathlib import Path
from PIL import Image
from multiprocessing import Pool
sys.path.insert(0, os.getcwd())
from search import match_suite as suite, fingerprint as fp
from search.match_eval import pattern_files, _open

D = int(os.environ.get("D", "256"))
EPS = float(os.environ.get("EPS", "0.1"))
ALTS = os.environ.get("ALTS", "original,jpeg_30,crop_70+jpeg_30,crop_70,crop_50,market_photo,resize_0.5").split(",")
EVERY = int(os.environ.get("EVERY", "1"))
folder = Path(sys.argv[1])
paths = pattern_files(folder)
reg, dis = suite.split(paths)

def detail(rgb):
    work = fp._work_array(Image.fromarray(rgb))
    g = fp.normalised_grey(work).astype(np.float32)
    h, w = g.shape
    s = min(1.0, D / max(h, w))
    if s < 1:
        g = cv2.resize(g, (max(8, round(w * s)), max(8, round(h * s))), interpolation=cv2.INTER_AREA)
    # detail pixels per original pixel, per axis
    f = (g.shape[1] / rgb.shape[1], g.shape[0] / rgb.shape[0])
    g = g - g.mean()
    return g / (g.std() + 1e-3), f

def _init():
    global C
    C = []
    for p in reg:
        g, f = detail(_open(p))
        C.append((g, f, sf.rfft2(g), [ndimage.gaussian_filter(g, sg, mode='wrap') for sg in SIGMAS]))

def taper(h, w):
    def t(n):
        m = max(2, n // 8)
        v = np.ones(n, np.float32)
        r = 0.5 - 0.5 * np.cos(np.pi * np.arange(m) / m)
        v[:m] = r; v[-m:] = r[::-1]
        return v
    return np.outer(t(h), t(w))

SEP = int(os.environ.get("SEP", "1"))
# SIGMAS (row 39, e.g. "1,2"): also the alignment low-passed by each; none by default
SIGMAS = [float(x) for x in os.environ.get("SIGMAS", "").split(",") if x]
ALPHA = float(os.environ.get("ALPHA", "1"))

def white(S):
    m = np.abs(S)
    return S / (m + EPS * m.mean() + 1e-9)

def one(job):
    path, alt = job
    q = suite.alter(_open(path), path.name, alt)
    work = fp._work_array(Image.fromarray(q))
    gq = fp.normalised_grey(work).astype(np.float32)
    wf = (work.shape[1] / q.shape[1], work.shape[0] / q.shape[0])
    cache = {}
    zs = np.zeros(len(C), np.float32)
    ncc = np.zeros(len(C), np.float32)
    nlp = np.zeros((len(SIGMAS), len(C)), np.float32)
    zlp = np.zeros((len(SIGMAS), len(C)), np.float32)
    fw = {}
    for i, (g, f, F, glps) in enumerate(C):
        rx, ry = f[0] / wf[0], f[1] / wf[1]
        hc, wc = g.shape
        key = (round(rx, 3), round(ry, 3), hc, wc)
        if key not in cache:
            hq, wq = gq.shape
            nw, nh = max(8, round(wq * rx)), max(8, round(hq * ry))
            r = cv2.resize(gq, (nw, nh), interpolation=cv2.INTER_AREA if rx < 1 else cv2.INTER_LINEAR) if (nw, nh) != (wq, hq) else gq
            # a copy larger than the tile: its centre, tile-sized
            y0 = max(0, (r.shape[0] - hc) // 2); x0 = max(0, (r.shape[1] - wc) // 2)
            r = r[y0:y0 + hc, x0:x0 + wc]
            r = r - r.mean()
            r0 = r.copy()
            if r.shape != (hc, wc):
                r = r * taper(*r.shape)
            pad = np.zeros((hc, wc), np.float32)
            pad[: r.shape[0], : r.shape[1]] = r
            lps = []
            for sg in SIGMAS:
                rl = ndimage.gaussian_filter(r0, sg, mode='nearest'); rl = rl - rl.mean()
                if rl.shape != (hc, wc):
                    rl = rl * taper(*rl.shape)
                pl = np.zeros((hc, wc), np.float32); pl[: rl.shape[0], : rl.shape[1]] = rl
                lps.append(pl)
            cache[key] = (sf.rfft2(pad), pad, pad != 0, lps)
        if SEP:
            W = white(cache[key][0]) * np.conj(white(F))
        else:
            X = cache[key][0] * np.conj(F)
            mag = np.abs(X)
            W = X / (mag + EPS * mag.mean() + 1e-9) ** ALPHA if ALPHA != 1 else X / (mag + EPS * mag.mean() + 1e-9)
        W[0, 0] = 0
        s = sf.irfft2(W, s=(hc, wc))
        a = np.abs(s)
        j = int(a.argmax())
        zs[i] = a.flat[j] / (np.sqrt((s * s).mean()) + 1e-12)
        d = np.unravel_index(j, s.shape)
        pad, mask = cache[key][1], cache[key][2]
        cs = np.roll(g, d, axis=(0, 1))
        cm = cs * mask
        cm = cm - cm[mask].mean() * mask
        ncc[i] = abs(float((pad * cm).sum())) / (np.sqrt((pad * pad).sum() * (cm * cm).sum()) + 1e-9)
        for k, (gl, pl) in enumerate(zip(glps, cache[key][3])):
            sg = SIGMAS[k]
            if key + (sg,) not in fw:
                fy = np.fft.fftfreq(hc)[:, None]; fx = np.fft.rfftfreq(wc)[None, :]
                fw[key + (sg,)] = np.exp(-2 * np.pi ** 2 * sg ** 2 * (fx ** 2 + fy ** 2)).astype(np.float32)
            sl = sf.irfft2(W * fw[key + (sg,)], s=(hc, wc))
            al = np.abs(sl); jl = int(al.argmax())
            zlp[k, i] = al.flat[jl] / (np.sqrt((sl * sl).mean()) + 1e-12)
            dl = np.unravel_index(jl, sl.shape)
            cm = np.roll(gl, dl, axis=(0, 1)) * mask
            cm = cm - cm[mask].mean() * mask
            nlp[k, i] = abs(float((pl * cm).sum())) / (np.sqrt((pl * pl).sum() * (cm * cm).sum()) + 1e-9)
    return path.name, alt, (zs, ncc, nlp, zlp)

if __name__ == "__main__":
    qs = dis if os.environ.get("QUERIES") == "dis" else paths
    jobs = [(p, a) for p in qs[::EVERY] for a in ALTS]
    t0 = time.time()
    out = {}
    with Pool(2, initializer=_init) as pool:
        for n, (name, alt, zs) in enumerate(pool.imap_unordered(one, jobs, chunksize=4)):
            out[(name, alt)] = zs
            if n % 100 == 0:
                print(n, len(jobs), round(time.time() - t0), flush=True, file=sys.stderr)
    regn = [p.name for p in reg]
    np.savez(os.environ.get("OUT", f"/tmp/lab/detail_{D}.npz"), names=[k[0] for k in out], alts=[k[1] for k in out],
             Z=np.stack([v[0] for v in out.values()]), N=np.stack([v[1] for v in out.values()]), NLP=np.stack([v[2] for v in out.values()]), ZLP=np.stack([v[3] for v in out.values()]), sigmas=SIGMAS, reg=regn)
    print("done", round(time.time() - t0))
