import numpy as np, sys, cv2, time
import scipy.fft as sf
d = np.load('/tmp/lab/phase_thumbs.npz')
names = list(d['names']); base = d['base']; q = d['q']; alts = list(d['alts']); regn = list(d['reg'])
ridx = [names.index(n) for n in regn]; R = base[ridx].astype(np.float32)
EPS = 0.1
def whiten(F):
    m = np.abs(F); W = F / (m + EPS * m.mean(axis=(-2, -1), keepdims=True) + 1e-6); W[..., 0, 0] = 0; return W
Rw = whiten(sf.rfft2(R, workers=2)).astype(np.complex64)
STEP = float(sys.argv[1]) if len(sys.argv) > 1 else 1.03
scales = []
s = 1.0
while s >= 0.45:
    scales.append(s); s /= STEP
print(len(scales), 'scales')
def views(qt):
    out = []
    for s in scales:
        n = max(8, round(64 * s))
        small = cv2.resize(qt, (n, n), interpolation=cv2.INTER_AREA) if n < 64 else qt
        small = small - small.mean()
        win = np.outer(np.hanning(n + 2)[1:-1], np.hanning(n + 2)[1:-1]) if n < 64 else 1.0
        pad = np.zeros((64, 64), np.float32); pad[:n, :n] = small * win
        for f in (0, 1):
            for k in range(4):
                out.append(np.rot90(pad[:, ::-1] if f else pad, k))
    return np.stack(out)
truth = np.array([regn.index(n) if n in regn else -1 for n in names])
sel = list(range(0, len(names), 3))
ALTS = ['crop_70+jpeg_30', 'crop_50', 'crop_70', 'jpeg_30', 'market_photo']
res = {}
t0 = time.time()
for a in ALTS:
    j = alts.index(a)
    Z = np.zeros((len(sel), len(R)), np.float32)
    for ii, i in enumerate(sel):
        V = np.conj(whiten(sf.rfft2(views(q[i, j]), workers=2))).astype(np.complex64)
        best = np.zeros(len(R), np.float32)
        for b in range(0, len(R), 16):
            c = sf.irfft2(Rw[None, b:b+16] * V[:, None], s=(64, 64), workers=2)
            fl = c.reshape(c.shape[0], c.shape[1], -1)
            z = np.abs(fl).max(axis=2) / (np.sqrt((fl * fl).mean(axis=2)) + 1e-9)
            best[b:b+16] = z.max(axis=0)
        Z[ii] = best
    res[a] = Z
    t = truth[sel]; isreg = t >= 0
    S = np.sort(Z, axis=1); top1, top2 = S[:, -1], S[:, -2]; arg = Z.argmax(axis=1)
    correct = isreg & (arg == t)
    tz = Z[np.where(isreg)[0], t[isreg]]
    for thr, k in [(10, 2), (12, 2), (10, 1.7)]:
        flag = (top1 > thr) & (top1 > k * top2)
        print('%-18s thr %g k %g: found %.3f  dis flagged %.3f  reg wrong %.3f  median true z %.1f null %.1f  (%.0fs)' % (
            a, thr, k, (flag & correct)[isreg].mean(), flag[~isreg].mean(), (flag & ~correct)[isreg].mean(),
            np.median(tz), np.median(top1[~isreg]), time.time() - t0), flush=True)
np.savez('/tmp/lab/crop_Z.npz', **{k.replace('+', '_'): v for k, v in res.items()})
