import numpy as np, sys
import scipy.fft as sf
d = np.load('/tmp/lab/phase_thumbs.npz')
names = list(d['names']); base = d['base']; q = d['q']; alts = list(d['alts']); regn = list(d['reg'])
EPS = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1
ALPHA = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
ridx = [names.index(n) for n in regn]
R = base[ridx]                                   # registered thumbs
def whiten(x):
    F = sf.rfft2(x.astype(np.float32), workers=2)
    F[..., 0, 0] = 0
    m = np.abs(F)
    return F / (m + EPS * m.mean(axis=(-2, -1), keepdims=True) + 1e-6) ** ALPHA
Rw = whiten(R)
def turned(t):
    return np.stack([np.rot90(t[:, ::-1] if f else t, k) for f in (0, 1) for k in range(4)])
def stat(qt):
    Qw = np.conj(whiten(turned(qt)))             # 8 x 64 x 33
    c = sf.irfft2((Rw[None] * Qw[:, None]).astype(np.complex64), s=(64, 64), workers=2)   # 8 x nreg x 64 x 64
    a = np.abs(c).reshape(8, len(R), -1)
    peak = a.max(axis=2)                          # 8 x nreg
    sd = np.sqrt((c.reshape(8, len(R), -1) ** 2).mean(axis=2))
    z = (peak / (sd + 1e-9)).max(axis=0)
    return z
truth = {n: regn.index(n) if n in regn else -1 for n in names}
Z = np.zeros((len(names), len(alts), len(R)), np.float32)
for i, n in enumerate(names):
    for j, a in enumerate(alts):
        Z[i, j] = stat(q[i, j])
np.save('/tmp/lab/Z_%g_%g.npy' % (EPS, ALPHA), Z)
t = np.array([truth[n] for n in names])
isreg = t >= 0
# null: best non-true statistic per query
null = Z.copy()
null[np.where(isreg)[0], :, t[isreg]] = -1
nullmax = null.max(axis=2)
tz = np.where(isreg[:, None], Z[np.arange(len(names)), :, np.maximum(t, 0)], np.nan)
disq = nullmax[~isreg].ravel()
for thr in np.quantile(disq, [0.99, 0.995, 0.999, 1.0]):
    print('thr %.2f distractor flag %.4f  all-query null-flag %.4f' % (thr, (disq > thr).mean(), (nullmax > thr).mean()))
thr = np.quantile(disq, 0.995)
print('thr', thr)
for j, a in enumerate(alts):
    ok = (tz[isreg, j] > thr) & (tz[isreg, j] > nullmax[isreg, j])
    print('%-28s found %.3f  median true z %.1f  median null %.1f' % (a, ok.mean(), np.median(tz[isreg, j]), np.median(nullmax[:, j])))
