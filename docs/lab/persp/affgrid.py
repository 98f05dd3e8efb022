"""Lab: market photos — from a similarity start (scale, turn), can a grid over the remaining
two parameters of the local affine (anisotropy a, shear h) find half a tile's alignment?
A = s R(t) [[e^a, h], [0, e^-a]] maps candidate detail px to query detail px at the photo's
centre. Start: the generator's own s, t (env PERTURB=1 adds 3% / 1.5 degrees of error);
grid a, h in [-0.16, 0.16] step 0.02 (+ s, t +-1 step when PERTURB); objective the whitened
peak of the half tile against the candidate; at the best, the shipped detail rule.
Original and one random other design (the null) per photo."""
import os, sys, json, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np, scipy.fft
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALT = os.environ.get("ALT", "market_photo"); EVERY = int(os.environ.get("EVERY", "2"))
PERTURB = int(os.environ.get("PERTURB", "0"))
GRID = np.round(np.arange(-0.16, 0.161, 0.02), 3)

def truth(a, name):
    m, (cx, cy) = suite.photo_perspective(a.shape, suite._rng(name, ALT))
    def f(x, y):
        v = m @ [x, y, 1.0]; return v[:2] / v[2]
    c0 = f(cx, cy); J = np.stack([f(cx + 1, cy) - c0, f(cx, cy + 1) - c0], 1)
    return J, c0

def A_of(s, t, al, h):
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return s * R @ np.array([[np.exp(al), h], [0, np.exp(-al)]])

def decompose(A):
    s = np.sqrt(abs(np.linalg.det(A)))
    Q, U = np.linalg.qr(A / s)
    d = np.sign(np.diag(U)); Q = Q * d; U = (U.T * d).T
    return s, float(np.arctan2(Q[1, 0], Q[0, 0])), float(np.log(U[0, 0])), float(U[0, 1])

def window(qg, A, qc, shape):
    h, w = shape[0] // 2, shape[1] // 2
    M = np.zeros((2, 3), np.float32); M[:, :2] = A; M[:, 2] = qc - A @ np.array([w / 2, h / 2])
    g = cv2.warpAffine(qg, M, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
    return g

def zscore(g, Cs, shape):
    g = g - g.mean(); g = g * np.outer(engine._taper(g.shape[0]), engine._taper(g.shape[1]))
    pad = np.zeros(shape, np.float32); pad[:g.shape[0], :g.shape[1]] = g
    X = scipy.fft.rfft2(pad) * np.conj(Cs); m = np.abs(X); X /= m + 0.1 * m.mean() + 1e-9; X[0, 0] = 0
    s = scipy.fft.irfft2(X, s=shape)
    return float(np.abs(s).max() / (np.sqrt((s * s).mean()) + 1e-12))

class Q:
    def __init__(self, d): self._d = d
    def detail(self): return self._d

def search(qd, c, A0):
    s0, t0, a0, h0 = decompose(A0)
    Cs = scipy.fft.rfft2(c.grey); shape = c.grey.shape
    qc = np.array([qd.grey.shape[1] / 2, qd.grey.shape[0] / 2])
    ss = [s0 * f for f in ((0.97, 1.0, 1.03) if PERTURB else (1.0,))]
    ts = [t0 + d for d in ((-0.026, 0, 0.026) if PERTURB else (0,))]
    best = (0, None)
    for s in ss:
        for t in ts:
            for al in GRID:
                for h in GRID:
                    A = A_of(s, t, al, h)
                    z = zscore(window(qd.grey, A, qc, shape), Cs, shape)
                    if z > best[0]: best = (z, A)
    g = window(qd.grey, best[1], qc, shape)
    w = engine._DetailWork(Q(fp.Detail(g.astype(np.float32), c.fx, c.fy)), [Q(c)]); w.run()
    return best[0], w.out[0].value, decompose(best[1])[2:]

def one(i):
    p = reg[i]
    a = me._open(p)
    c = me._fingerprint_array(a).detail()
    qd = me._query_fingerprint(suite.alter(a, p.name, ALT)).detail()
    J, _ = truth(a, p.name)
    # candidate detail px -> tile px (1 / c.fx) -> photo px (J) -> query detail px (qd.fx)
    A_true = qd.fx * J / c.fx
    s, t, al, h = decompose(A_true)
    if PERTURB:
        rng = np.random.default_rng(i); s *= np.exp(rng.uniform(-0.03, 0.03)); t += np.radians(rng.uniform(-1.5, 1.5))
    A0 = A_of(s, t, 0, 0)
    z, v, ah = search(qd, c, A0)
    j = int(np.random.default_rng(1000 + i).integers(len(reg)))
    j = (j + 1) % len(reg) if j == i else j
    cj = me._fingerprint_array(me._open(reg[j])).detail()
    zo, vo, _ = search(qd, cj, qd.fx * J / cj.fx)  # the null gets the same start, in its own pixels
    return p.name, z, v, zo, vo, ah

if __name__ == "__main__":
    rows = {(r["file"], r["alteration"]): r for r in map(json.loads, open("/tmp/full_rows.jsonl"))}
    t0 = time.time()
    with Pool(2) as pool:
        res = pool.map(one, range(0, len(reg), EVERY), chunksize=2)
    n = len(res); ok = sum(v > 0.3 for _, z, v, zo, vo, ah in res); nul = sum(vo > 0.3 for _, z, v, zo, vo, ah in res)
    found = sum(rows[(nm, ALT)]["found"] for nm, *_ in res)
    union = sum((v > 0.3) or rows[(nm, ALT)]["found"] for nm, z, v, *_ in res)
    print(f"{ALT} PERTURB={PERTURB}: photos {n}, pass {ok/n:.3f}, null pass {nul}, engine {found/n:.3f}, union {union/n:.3f}, {time.time()-t0:.0f} s")
    print("median z orig %.1f null %.1f; |a| median %.3f p90 %.3f, |h| median %.3f p90 %.3f" % (
        np.median([r[1] for r in res]), np.median([r[3] for r in res]),
        np.median([abs(r[5][0]) for r in res]), np.percentile([abs(r[5][0]) for r in res], 90),
        np.median([abs(r[5][1]) for r in res]), np.percentile([abs(r[5][1]) for r in res], 90)))
