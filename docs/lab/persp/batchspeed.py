"""Lab: what the coarse affine grid costs batched: 2,100 windows of a quarter tile warped
(cv2), their FFTs against the half-resolution candidate in stacks (scipy.fft, 1 and 2
workers), peak over RMS — against the one-at-a-time loop of affgrid_coarse.py."""
import time, numpy as np, cv2, scipy.fft
cv2.setNumThreads(1)
rng = np.random.default_rng(0)
q = rng.normal(size=(192, 256)).astype(np.float32)
half = rng.normal(size=(128, 128)).astype(np.float32); Hs = scipy.fft.rfft2(half)
S = np.exp(np.arange(np.log(0.45), np.log(1.0) + 1e-9, 0.07)); T = np.radians(np.arange(-9, 9.01, 3)); G = np.arange(-0.15, 0.151, 0.075)
hyps = [(s, t, a, h) for s in S for t in T for a in G for h in G]
def A_of(s, t, a, h):
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]); return s * R @ np.array([[np.exp(a), h], [0, np.exp(-a)]])
taper = np.outer(np.hanning(66)[1:-1], np.hanning(66)[1:-1]).astype(np.float32)
qc = np.array([128, 96.0])
def windows(batch):
    out = np.zeros((len(batch), 128, 128), np.float32)
    for k, p in enumerate(batch):
        A = 2 * A_of(*p); M = np.zeros((2, 3), np.float32); M[:, :2] = A; M[:, 2] = qc - A @ np.array([32, 32.0])
        g = cv2.warpAffine(q, M, (64, 64), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
        out[k, :64, :64] = (g - g.mean()) * taper
    return out
def run(workers, chunk=300):
    best = 0
    for i in range(0, len(hyps), chunk):
        X = scipy.fft.rfft2(windows(hyps[i:i + chunk]), workers=workers) * np.conj(Hs)[None]
        m = np.abs(X); X /= m + 0.1 * m.mean(axis=(1, 2), keepdims=True) + 1e-9; X[:, 0, 0] = 0
        s = scipy.fft.irfft2(X, s=(128, 128), workers=workers)
        z = np.abs(s).max(axis=(1, 2)) / np.sqrt((s * s).mean(axis=(1, 2)))
        best = max(best, z.max())
    return best
for w in (1, 2):
    run(w); t = time.perf_counter(); c = time.process_time(); run(w)
    print(f"batched, {w} worker(s): wall {1000*(time.perf_counter()-t):.0f} ms, CPU {1000*(time.process_time()-c):.0f} ms for {len(hyps)} hypotheses")
t = time.perf_counter(); w_ = windows(hyps); print(f"  of which the warps: {1000*(time.perf_counter()-t):.0f} ms")
