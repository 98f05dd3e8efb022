"""Lab: a local affine of half a tile found by Nelder-Mead on the low-passed whitened
correlation (coarse to fine), started from the Fourier-Mellin peaks."""
import sys, pickle, os, time
sys.path.insert(0, '/work/main'); sys.path.insert(0, '/tmp/lab')
from pathlib import Path
import numpy as np, cv2, scipy.fft
from scipy.optimize import minimize
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
from persp import scale_rotation, _lp_of_tile

def A_of(p):
    ls, th, la, sh = p
    R = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    return np.exp(ls) * R @ np.array([[1.0, sh], [0.0, np.exp(la)]])  # tile px -> query px

def window(q, A, shape, frac=0.5):
    """The query sampled in the tile frame over frac of a tile around its centre."""
    h, w = shape; qh, qw = q.shape
    ww, hh = int(w * frac), int(h * frac)
    M = np.zeros((2, 3)); M[:, :2] = A; M[:, 2] = np.array([qw / 2, qh / 2]) - A @ [ww / 2, hh / 2]
    g = cv2.warpAffine(q, M, (ww, hh), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
    g = g - g.mean()
    return g * np.outer(engine._taper(hh), engine._taper(ww))

def zscore(g, Cs, shape, sigma):
    pad = np.zeros(shape, np.float32); pad[:g.shape[0], :g.shape[1]] = g
    cross = scipy.fft.rfft2(pad) * np.conj(Cs)
    m = np.abs(cross); cross /= m + 0.1 * m.mean() + 1e-9; cross[0, 0] = 0
    if sigma:
        fy = np.fft.fftfreq(shape[0])[:, None]; fx = np.fft.rfftfreq(shape[1])[None]
        cross *= np.exp(-2 * np.pi ** 2 * sigma ** 2 * (fx ** 2 + fy ** 2))
    s = scipy.fft.irfft2(cross, s=shape)
    return float(np.abs(s).max() / (np.sqrt((s * s).mean()) + 1e-12))

def fit(q, c, starts=2, debug=False):
    C = c.astype(np.float32); shape = C.shape; Cs = scipy.fft.rfft2(C)
    best = (0, None); evals = [0]
    for s, theta, _ in scale_rotation(q, c, peaks=starts):
        for th in (theta, theta + np.pi):
            p = np.array([np.log(s), th, 0.0, 0.0])
            for sigma, step in ((3.0, (0.08, 0.05, 0.08, 0.08)), (1.5, (0.03, 0.02, 0.03, 0.03)), (1.0, (0.01, 0.008, 0.01, 0.01))):
                def f(x):
                    evals[0] += 1
                    return -zscore(window(q, A_of(x), shape), Cs, shape, sigma)
                simplex = np.vstack([p] + [p + np.eye(4)[i] * step[i] for i in range(4)])
                r = minimize(f, p, method='Nelder-Mead', options={'initial_simplex': simplex, 'maxfev': 80, 'xatol': 1e-3, 'fatol': 0.05})
                p = r.x
            z = zscore(window(q, A_of(p), shape), Cs, shape, 0)
            if debug: print(f'   start s {s:.3f} th {np.degrees(th):.0f} -> {np.round(p, 3)} z {z:.1f}')
            if z > best[0]: best = (z, p)
    return best, evals[0]

if __name__ == '__main__':
    exec(open('/tmp/lab/persp_dbg2.py').read().split("import time")[0].replace("import persp_ecc as pe; import persp as persp1", ""))
    EVERY = int(sys.argv[1]); names = [p.name for p in reg]
    class Q:
        def __init__(self, d): self._d = d
        def detail(self): return self._d
    n = hit = 0; others_pass = 0
    rng0 = np.random.default_rng(0)
    for i, p in enumerate(reg):
        if i % EVERY: continue
        qd, cd, s, th, J = truth(p.name)
        t0 = time.time()
        (z, prm), ne = fit(qd.grey.astype(np.float32), cd.grey, debug=False)
        dt = time.time() - t0
        ok = False
        if prm is not None:
            g = window(qd.grey.astype(np.float32), A_of(prm), cd.grey.shape)
            al = engine._detail_alignments(Q(fp.Detail(g.astype(np.float32), cd.fx, cd.fy)), [fps[i]])[0]
            ok = al.value > 0.3
        n += 1; hit += ok
        # one other design as a null
        j = int(rng0.integers(len(reg)))
        if j != i:
            (zo, po), _ = fit(qd.grey.astype(np.float32), fps[j].detail().grey)
            if po is not None:
                go = window(qd.grey.astype(np.float32), A_of(po), fps[j].detail().grey.shape)
                ao = engine._detail_alignments(Q(fp.Detail(go.astype(np.float32), fps[j].detail().fx, fps[j].detail().fy)), [fps[j]])[0]
                others_pass += ao.value > 0.3
        print(f"{p.name[:26]:26s} true s {s:.3f} th {th:5.1f} | fit z {z:5.1f} s {np.exp(prm[0]) if prm is not None else 0:.3f} th {np.degrees(prm[1]) % 360 if prm is not None else 0:5.1f} {'PASS' if ok else ''} evals {ne} {dt*1000:.0f} ms", flush=True)
    print('n', n, 'pass', hit / n, 'others passing', others_pass)
