"""Lab: a translation-free first pass for engine item 17: each of the 2,100 grid maps scored
by how well the candidate's power spectrum, carried through the map, matches the photo's
local power spectrum (no FFT per map: one remap of sample points); the best K maps then go
through the shipped half-resolution peak, refinement and rule."""
import os, sys, json, time, heapq
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
from threadpoolctl import threadpool_limits; threadpool_limits(1)
import numpy as np, scipy.fft
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine as E
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALT = os.environ.get("ALT", "market_photo"); EVERY = int(os.environ.get("EVERY", "6"))
N = int(os.environ.get("N", "96")); FLAT = int(os.environ.get("FLAT", "1"))
KMIN, KMAX = float(os.environ.get("KMIN", "0.03")), float(os.environ.get("KMAX", "0.33"))
REF = os.environ.get("REF", "ship"); R1 = int(os.environ.get("R1", "4")); R2 = int(os.environ.get("R2", "2"))
KS = [int(k) for k in os.environ.get("KS", "25,50,100,200").split(",")]
SIG = float(os.environ.get("SIG", "1.0")); SHIP = int(os.environ.get("SHIP", "1")); SUB = int(os.environ.get("SUB", "1"))
GRID = E._photo_grid()
CNT = {True: 0, False: 0}
AFF = np.stack([E._photo_affine(p) for p in GRID])  # (G,2,2) cand px -> query px
AF = AFF.astype(np.float32)

def flatten(logp, fx, fy):
    """Remove the radial mean (in the array's own frequencies) so the falloff does not dominate."""
    r = np.hypot(fx, fy)
    bins = np.minimum((r / 0.5 * 32).astype(int), 40)
    s = np.bincount(bins.ravel(), logp.ravel(), 41); c = np.bincount(bins.ravel(), None, 41)
    return logp - (s / np.maximum(c, 1))[bins]

def query_spec(qg):
    h, w = qg.shape; n = min(N, h, w)
    y0, x0 = (h - n) // 2, (w - n) // 2
    g = qg[y0:y0 + n, x0:x0 + n].astype(np.float32); g = g - g.mean()
    win = np.outer(np.hanning(n), np.hanning(n)).astype(np.float32)
    P = np.abs(np.fft.fftshift(np.fft.fft2(g * win))) ** 2
    f = (np.arange(n) - n // 2) / n
    fx, fy = np.meshgrid(f, f)
    L = np.log(P + 1e-3 * P.mean())
    if FLAT: L = flatten(L, fx, fy)
    r = np.hypot(fx, fy)
    keep = (r >= KMIN) & (r <= KMAX) & ((fy > 0) | ((fy == 0) & (fx > 0)))
    return np.stack([fx[keep], fy[keep]], 1), L[keep], n

def cand_spec(cg, n):
    H, W = cg.shape; g = cg.astype(np.float32) - cg.mean()
    P = np.abs(np.fft.fftshift(np.fft.fft2(g))) ** 2
    sig = SIG * max(W, H) / (n / 0.7) # bins: the query window's resolution at a typical scale
    import scipy.ndimage as nd; P = nd.gaussian_filter(P.astype(np.float32), sig, mode="wrap")
    fx, fy = np.meshgrid((np.arange(W) - W // 2) / W, (np.arange(H) - H // 2) / H)
    L = np.log(P + 1e-3 * P.mean())
    if FLAT: L = flatten(L, fx, fy)
    return L.astype(np.float32)

def spectral_scores(qd, cd):
    k, lq, n = query_spec(qd.grey)
    Lc = cand_spec(cd.grey, n); H, W = Lc.shape
    k = k[::SUB].astype(np.float32); lq = lq[::SUB]
    kx, ky = k[:, 0][None], k[:, 1][None]
    mx = (AF[:, 0, 0, None] * W) * kx + (AF[:, 1, 0, None] * W) * ky + np.float32(W // 2)
    my = (AF[:, 0, 1, None] * H) * kx + (AF[:, 1, 1, None] * H) * ky + np.float32(H // 2)
    s = cv2.remap(Lc, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    s = s - s.mean(1, keepdims=True); q = lq - lq.mean()
    return (s @ q) / (np.linalg.norm(s, axis=1) * np.linalg.norm(q) + 1e-9)

def run(q, c, K):
    """Shipped photo_alignment, the coarse grid cut to the spectral best K (K=0: all)."""
    qd, cd = q.detail(), c.detail()
    shape = cd.grey.shape
    half = cv2.resize(cd.grey, (shape[1] // 2, shape[0] // 2), interpolation=cv2.INTER_AREA)
    hs = scipy.fft.rfft2(half); cdet = E._CandidateDetail(cd.grey); HT = E._PhotoTarget(half); FT = E._PhotoTarget(cd.grey)
    centre = np.array([qd.grey.shape[1] / 2, qd.grey.shape[0] / 2], np.float32)
    steps = np.array([E.PHOTO_SCALE_STEP, np.radians(E.PHOTO_TURN_STEP), E.PHOTO_SKEW_STEP, E.PHOTO_SKEW_STEP])
    def peak(p, at_half):
        CNT[at_half] += 1
        if at_half:
            return HT.peak(E._photo_window(qd.grey, 2 * E._photo_affine(p), centre, half.shape))
        return FT.peak(E._photo_window(qd.grey, E._photo_affine(p), centre, shape))
    grid = GRID
    if K:
        sc = spectral_scores(qd, cd); grid = [GRID[i] for i in np.argsort(-sc)[:K]]
    if REF == "ship":
        coarse = heapq.nlargest(E.PHOTO_REFINE, ((peak(p, True), p) for p in grid), key=lambda t: t[0])
        best = max((peak(p, False), p) for _z, st in coarse for p in E._around(st, steps / 2))
        best = max((peak(p, False), p) for p in E._around(best[1], steps / 6))
    else:
        coarse = heapq.nlargest(R1, ((peak(p, True), p) for p in grid), key=lambda t: t[0])
        def descend(z, p, step, at_half, rounds):
            for _ in range(rounds):
                moved = False
                for d in range(4):
                    for sgn in (-1, 1):
                        cand = list(p); cand[d] += sgn * step[d]; cand = tuple(cand)
                        zc = peak(cand, at_half)
                        if zc > z: z, p, moved = zc, cand, True
                if not moved: break
            return z, p
        halfs = sorted((descend(z, p, steps / 2, True, 3) for z, p in coarse), reverse=True)[:R2]
        best = max(descend(peak(p, False), p, steps / 4, False, 3) for _z, p in halfs)
        best = descend(best[0], best[1], steps / 8, False, 2)
    window = E._photo_window(qd.grey, E._photo_affine(best[1]), centre, shape)
    prep = E._prepare_query(window, 1.0, 1.0, shape)
    return (E._align(prep, cdet).value if prep is not None else 0.0), coarse[0][1]

def one(i):
    p = reg[i]; a = me._open(p)
    c = me._fingerprint_array(a); q = me._query_fingerprint(suite.alter(a, p.name, ALT))
    j = int(np.random.default_rng(1000 + i).integers(len(reg))); j = (j + 1) % len(reg) if j == i else j
    o = me._fingerprint_array(me._open(reg[j]))
    out = {"name": p.name}
    if SHIP:
        t = time.process_time(); out["ship"], best = run(q, c, 0); out["t_ship"] = time.process_time() - t
    else:
        out["ship"], best, out["t_ship"] = 0, GRID[0], 0
    t = time.process_time(); sc = spectral_scores(q.detail(), c.detail()); out["t_spec"] = time.process_time() - t
    out["rank_of_ship_best"] = int((sc > sc[GRID.index(best)]).sum())
    CNT[True] = CNT[False] = 0
    for K in KS:
        t = time.process_time(); out[f"v{K}"] = run(q, c, K)[0]; out[f"t{K}"] = time.process_time() - t
        out[f"c{K}"] = {"h": CNT[True], "f": CNT[False]}; CNT[True] = CNT[False] = 0
        out[f"n{K}"] = run(q, o, K)[0]
    return out

if __name__ == "__main__":
    with Pool(2) as pool:
        res = pool.map(one, range(0, len(reg), EVERY), chunksize=1)
    n = len(res)
    print(f"N={N} FLAT={FLAT} band {KMIN}-{KMAX} SIG={SIG}: shipped pass {sum(r['ship'] > 0.3 for r in res)/n:.3f} "
          f"CPU {np.median([r['t_ship'] for r in res]):.3f} s; spectral scoring {np.median([r['t_spec'] for r in res])*1000:.1f} ms")
    print("rank of the shipped coarse best under the spectral score: median", np.median([r['rank_of_ship_best'] for r in res]),
          "quartiles", np.percentile([r['rank_of_ship_best'] for r in res], [25, 75, 90]))
    for K in KS:
        print("peaks half/full", np.median([r[f"c{K}"]["h"] for r in res]), np.median([r[f"c{K}"]["f"] for r in res]))
        print(f"K={K}: pass {sum(r[f'v{K}'] > 0.3 for r in res)/n:.3f} null {sum(r[f'n{K}'] > 0.3 for r in res)} CPU {np.median([r[f't{K}'] for r in res]):.3f} s")
    json.dump(res, open(f"/tmp/lab/specpre_{N}_{FLAT}_{KMIN}_{KMAX}_{SIG}_{SUB}_{REF}_{R1}_{R2}.json", "w"))
