"""Lab: engine item 18's quick affine, refined to a homography over the whole photo by
OpenCV's ECC against the tiled candidate, then one tile rectified and the shipped rule.
Every EVERY-th registered design's market photo: the original and a random other design."""
import os, sys, time, heapq
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
from threadpoolctl import threadpool_limits; threadpool_limits(1)
import numpy as np, scipy.fft
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E, fingerprint as fp
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALT = os.environ.get("ALT", "market_photo"); EVERY = int(os.environ.get("EVERY", "3"))
MOTION = os.environ.get("MOTION", "homography"); GF = int(os.environ.get("GF", "5"))
ITERS = int(os.environ.get("ITERS", "60")); SHRINK = float(os.environ.get("SHRINK", "1.0"))
LEVELS = int(os.environ.get("LEVELS", "1"))

def quick_best(q, c):
    """photo_alignment(quick=True)'s best map and the window's shift."""
    qd, cd = q.detail(), c.detail()
    shape = cd.grey.shape
    half = E._PhotoTarget(cv2.resize(cd.grey, (shape[1] // 2, shape[0] // 2), interpolation=cv2.INTER_AREA))
    full = E._PhotoTarget(cd.grey)
    centre = np.array([qd.grey.shape[1] / 2, qd.grey.shape[0] / 2], np.float32)
    steps = np.array([E.PHOTO_SCALE_STEP, np.radians(E.PHOTO_TURN_STEP), E.PHOTO_SKEW_STEP, E.PHOTO_SKEW_STEP])
    def peak(p, at_half):
        if at_half:
            return half.peak(E._photo_window(qd.grey, 2 * E._photo_affine(p), centre, half.shape))
        return full.peak(E._photo_window(qd.grey, E._photo_affine(p), centre, shape))
    grid = E._photo_grid()
    agreement = E._PhotoQuery.of(q).agreement(c)
    order = np.argsort(-agreement, kind="stable")
    starts = heapq.nlargest(E.PHOTO_QUICK_STARTS, ((peak(grid[i], True), grid[i]) for i in order[:E.PHOTO_QUICK_MAPS]), key=lambda t: t[0])
    halfway = sorted((E._descend(peak, z, p, steps / 2, True, 3) for z, p in starts), key=lambda t: t[0], reverse=True)[:E.PHOTO_QUICK_FULL]
    best = max((E._descend(peak, peak(p, False), p, steps / 4, False, 3) for _z, p in halfway), key=lambda t: t[0])
    best = E._descend(peak, *best, steps / 8, False, 2)
    A = E._photo_affine(best[1])
    window = E._photo_window(qd.grey, A, centre, shape)
    prepared = E._prepare_query(window, 1.0, 1.0, shape)
    aff = E._align(prepared, E._CandidateDetail(cd.grey))
    cross = E._whitened_cross(prepared.spectrum, scipy.fft.rfft2(cd.grey))
    _z, d = E._peak(scipy.fft.irfft2(cross, s=shape))
    h, w = shape
    t = centre - A @ np.array([(w // 2) / 2, (h // 2) / 2])
    return A, t, np.array([d[1], d[0]], float), aff

def rectify(q, c, A, t, d):
    qd, cd = q.detail(), c.detail()
    h, w = cd.grey.shape
    d = (d + np.array([w, h]) / 2) % np.array([w, h]) - np.array([w, h]) / 2
    off = np.array([2 * w, 2 * h], float)
    Ainv = np.linalg.inv(A)
    H0 = np.eye(3); H0[:2, :2] = Ainv; H0[:2, 2] = Ainv @ (-A @ d - t) + off
    big = np.tile(cd.grey, (5, 5)).astype(np.float32)
    tmpl = qd.grey.astype(np.float32)
    H = H0.astype(np.float32)
    ok = True
    try:
        if MOTION == "homography":
            crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, ITERS, 1e-5)
            _, H = cv2.findTransformECC(tmpl, big, H, cv2.MOTION_HOMOGRAPHY, crit, None, GF)
        elif MOTION == "affine_homography":
            crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, ITERS, 1e-5)
            _, M = cv2.findTransformECC(tmpl, big, H[:2].copy(), cv2.MOTION_AFFINE, crit, None, GF)
            H = np.vstack([M, [0, 0, 1]]).astype(np.float32)
            _, H = cv2.findTransformECC(tmpl, big, H, cv2.MOTION_HOMOGRAPHY, crit, None, GF)
    except cv2.error:
        ok = False; H = H0.astype(np.float32)
    Hinv = np.linalg.inv(H.astype(float))
    qh, qw = tmpl.shape
    uc = H.astype(float) @ [qw / 2, qh / 2, 1]; uc = uc[:2] / uc[2]
    f = SHRINK
    for _ in range(20):
        bw, bh = w * f, h * f
        corners = np.array([[uc[0] - bw / 2, uc[1] - bh / 2, 1], [uc[0] + bw / 2, uc[1] - bh / 2, 1], [uc[0] + bw / 2, uc[1] + bh / 2, 1], [uc[0] - bw / 2, uc[1] + bh / 2, 1]])
        p = corners @ Hinv.T; p = p[:, :2] / p[:, 2:]
        if (p[:, 0] >= 1).all() and (p[:, 0] <= qw - 2).all() and (p[:, 1] >= 1).all() and (p[:, 1] <= qh - 2).all():
            break
        f *= 0.93
    bw, bh = int(w * f), int(h * f)
    bx, by = np.meshgrid(uc[0] - bw / 2 + np.arange(bw), uc[1] - bh / 2 + np.arange(bh))
    pts = np.stack([bx, by, np.ones_like(bx)], -1) @ Hinv.T
    mx = (pts[..., 0] / pts[..., 2]).astype(np.float32); my = (pts[..., 1] / pts[..., 2]).astype(np.float32)
    g = cv2.remap(tmpl, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return fp.detail(g, (1 / cd.fx, 1 / cd.fy)), ok, f

class Q:
    def __init__(self, d): self._d = d
    def detail(self): return self._d

def test(q, c):
    t0 = time.process_time()
    A, t, d, aff = quick_best(q, c)
    t1 = time.process_time()
    det, ok, f = rectify(q, c, A, t, d)
    w = E._DetailWork(Q(det), [c], turn=False); w.run()
    t2 = time.process_time()
    return aff.value, w.out[0].value, w.out[0].z, aff.z, t2 - t1, ok, f

def one(i):
    p = reg[i]; a = me._open(p)
    c = me._fingerprint_array(a); q = me._query_fingerprint(suite.alter(a, p.name, ALT))
    j = int(np.random.default_rng(1000 + i).integers(len(reg))); j = (j + 1) % len(reg) if j == i else j
    o = me._fingerprint_array(me._open(reg[j]))
    return p.name, test(q, c), test(q, o)

if __name__ == "__main__":
    with Pool(2) as pool:
        res = pool.map(one, range(0, len(reg), EVERY), chunksize=1)
    n = len(res)
    aff = sum(r[1][0] > 0.3 for r in res); ecc = sum(r[1][1] > 0.3 for r in res); either = sum(max(r[1][0], r[1][1]) > 0.3 for r in res)
    print(f"{ALT} {MOTION} GF={GF}: affine {aff/n:.3f} ecc {ecc/n:.3f} either {either/n:.3f} of {n}; null affine {sum(r[2][0] > 0.3 for r in res)} ecc {sum(r[2][1] > 0.3 for r in res)}; ecc CPU median {np.median([r[1][4] for r in res]):.3f}s; ecc failed {sum(not r[1][5] for r in res)}")
    for name, t, o in res:
        print(f"  {name:40s} aff {t[0]:.2f} z{t[3]:5.1f} | ecc {t[1]:.2f} z{t[2]:5.1f} f{t[6]:.2f} | null aff {o[0]:.2f} ecc {o[1]:.2f} z{o[2]:5.1f}")
