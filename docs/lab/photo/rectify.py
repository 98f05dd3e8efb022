"""Lab: market photo -> period from autocorrelation -> one-repeat pseudo thumbnail.

For every registered image's market photo: find the horizontal lattice vector from the
photo's autocorrelation, cut one repeat (aspect from each candidate), and correlate
(whitened peak/RMS, 8 orientations, both signs) with all registered thumbnails.
"""
import sys, time
from pathlib import Path
import numpy as np, cv2
sys.path.insert(0, '/work/main')
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
from PIL import Image

FOLDER = Path('/work/main/../shared/patterns')
files = me.pattern_files(FOLDER)
registered, distractors = suite.split(files)
ALT = sys.argv[1] if len(sys.argv) > 1 else 'market_photo'
EVERY = int(sys.argv[2]) if len(sys.argv) > 2 else 3
NPEAKS = int(sys.argv[3]) if len(sys.argv) > 3 else 3

def work(rgb):
    return fp._work_array(Image.fromarray(np.ascontiguousarray(rgb)))

thumbs, aspects = [], []
for p in registered:
    w = work(me._open(p)); thumbs.append(fp.thumbnail(w)); aspects.append(w.shape[0] / w.shape[1])
thumbs = np.stack(thumbs); aspects = np.array(aspects)
TF = np.fft.rfft2(thumbs)
TW = engine._whiten(TF)

def hipass(rgb):
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return g - fp._wide_blur(g, max(g.shape) / 12)

def lattice(g, npeaks):
    """Top horizontal-ish lattice vectors (dx, dy) by normalised autocorrelation."""
    h, w = g.shape
    z = g - g.mean()
    F = np.fft.rfft2(z, s=(2 * h, 2 * w))
    ac = np.fft.irfft2(F * np.conj(F), s=(2 * h, 2 * w))
    ones = np.fft.rfft2(np.ones_like(z), s=(2 * h, 2 * w))
    cnt = np.fft.irfft2(ones * np.conj(ones), s=(2 * h, 2 * w))
    ac = ac / np.maximum(cnt, 1) / (z.var() + 1e-9)
    ac = np.fft.fftshift(ac)  # lag (0,0) at (h, w)
    cy, cx = h, w
    best = []
    # horizontal lags: dx in [w/4, w - 40], dy within +-h/6
    sub = ac[cy - h // 6: cy + h // 6 + 1, cx + w // 4: cx + w - 40]
    sub = cv2.GaussianBlur(sub.astype(np.float32), (0, 0), 1.0)
    # local maxima
    mx = cv2.dilate(sub, np.ones((9, 9), np.uint8))
    ys, xs = np.nonzero((sub >= mx) & (sub > 0.05))
    vals = sub[ys, xs]
    order = np.argsort(-vals)[:npeaks]
    return [(xs[i] + w // 4, ys[i] - h // 6, float(vals[i])) for i in order]

def pseudo(g, v1, aspect):
    dx, dy = v1
    v2 = np.array([-dy, dx]) * aspect
    v1 = np.array([dx, dy], float)
    h, w = g.shape
    c = np.array([w / 2, h / 2])
    o = c - (v1 + v2) / 2
    # map dst (u, v) in [0,64)^2 -> src = o + u/64 v1 + v/64 v2
    M = np.array([[v1[0] / 64, v2[0] / 64, o[0]], [v1[1] / 64, v2[1] / 64, o[1]]], np.float32)
    # area-average: blur by the downscale factor first
    f = np.linalg.norm(v1) / 64
    gb = cv2.GaussianBlur(g, (0, 0), max(0.5, 0.5 * f))
    t = cv2.warpAffine(gb, M, (64, 64), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
    t = t - t.mean()
    return t / (t.std() + 1e-3)

def zscores(q):
    turned = [np.rot90(q[:, ::-1] if fl else q, k) for fl in (0, 1) for k in range(4)]
    S = engine._whiten(np.fft.rfft2(np.stack(turned)))
    white = np.fft.irfft2(TW[:, None] * np.conj(S)[None], s=(64, 64)).reshape(len(TW), 8, -1)
    z = np.abs(white).max(axis=2) / (np.sqrt((white * white).mean(axis=2)) + 1e-12)
    SP = np.fft.rfft2(np.stack(turned))
    plain = np.fft.irfft2(TF[:, None] * np.conj(SP)[None], s=(64, 64)).reshape(len(TW), 8, -1) / 4096
    return z.max(axis=1), np.abs(plain).max(axis=2).max(axis=1)

res = []
t0 = time.time()
for i, p in enumerate(registered):
    if i % EVERY: continue
    rgb = suite.alter(me._open(p), p.name, ALT)
    g = hipass(work(rgb))
    peaks = lattice(g, NPEAKS)
    bestz = np.zeros(len(registered)); bestc = np.zeros(len(registered))
    for dx, dy, val in peaks:
        for a in np.unique(aspects):
            q = pseudo(g, (dx, dy), a)
            z, c = zscores(q)
            sel = aspects == a
            bestz[sel] = np.maximum(bestz[sel], z[sel]); bestc[sel] = np.maximum(bestc[sel], c[sel])
    zt = bestz[i]; zo = np.delete(bestz, i).max(); ct = bestc[i]; co = np.delete(bestc, i).max()
    # true period guess: tile width in the photo work image
    res.append((p.parent.name, zt, zo, ct, co, peaks[0][:2] if peaks else None))
    print(f"{p.name[:30]:30s} {p.parent.name:9s} z {zt:5.1f} other {zo:5.1f} | c {ct:.2f} other {co:.2f} peaks {[(int(a), int(b), round(v,2)) for a,b,v in peaks]}", flush=True)
r = np.array([(x[1], x[2], x[3], x[4]) for x in res])
print('n', len(r), 'z first', np.mean(r[:, 0] > r[:, 1]), 'z>=2.5x', np.mean(r[:, 0] >= 2.5 * r[:, 1]), 'z>=14&2.5x', np.mean((r[:, 0] >= 14) & (r[:, 0] >= 2.5 * r[:, 1])),
      'c first', np.mean(r[:, 2] > r[:, 3]), 'c first+0.1', np.mean(r[:, 2] > r[:, 3] + 0.1), 'median z', np.median(r[:, 0]), np.median(r[:, 1]), time.time() - t0)
