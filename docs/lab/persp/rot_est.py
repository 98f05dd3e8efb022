"""Lab: the angle between a query (at a candidate's pixel scale) and the candidate tile
from their log-polar magnitude spectra, correlated along the angle only (scale known)."""
import sys, pickle, os, time
from pathlib import Path
import numpy as np, cv2, scipy.fft
sys.path.insert(0, '/work/main')
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
NA = 360  # 0.5 degree steps over 180
NRAD = 48
MAXDEG = float(os.environ.get('MAXDEG', 20))
def logpolar(spec_r, shape):
    """Log-polar samples of |rfft2| (rows fy, cols fx >= 0) for angles -90..90."""
    H, W = shape
    m = np.log1p(np.abs(spec_r)); m = np.fft.fftshift(m, axes=0).astype(np.float32)
    fmin, fmax = 3.0 / min(H, W), 0.35
    rho = np.exp(np.linspace(np.log(fmin), np.log(fmax), NRAD))
    phi = -np.pi / 2 + np.arange(NA) * np.pi / NA
    fx = rho[None] * np.cos(phi)[:, None]; fy = rho[None] * np.sin(phi)[:, None]
    mx = (fx * W).astype(np.float32); my = (H // 2 + fy * H).astype(np.float32)
    lp = cv2.remap(m, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return lp - lp.mean(axis=0, keepdims=True)
def angles(q_spec, c_spec, shape, k=2):
    a = logpolar(q_spec, shape); b = logpolar(c_spec, shape)
    corr = np.real(np.fft.ifft(np.fft.fft(a, axis=0) * np.conj(np.fft.fft(b, axis=0)), axis=0)).sum(axis=1)
    deg = np.arange(NA) * 180.0 / NA; deg = np.where(deg > 90, deg - 180, deg)
    corr = np.where((np.abs(deg) <= MAXDEG) & (np.abs(deg) >= 1.0), corr, -np.inf)
    order = np.argsort(-corr)
    out = []
    for i in order:
        if all(abs(deg[i] - d) > 2 for d in out): out.append(float(deg[i]))
        if len(out) == k: break
    return out
class Q:
    def __init__(self, d): self._d = d
    def detail(self): return self._d
def rotated(d, deg):
    g = d.grey; h, w = g.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    r = cv2.warpAffine(g - g.mean(), m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return fp.Detail(r.astype(np.float32), d.fx, d.fy)
def ok(a):
    return (a.z >= 14 and a.ncc >= 0.3) or (a.z >= 8 and a.ncc >= 0.6) or (a.lp_z >= 14 and a.lp_ncc >= 0.4)
def rot_align(qfp, cfp, k=2):
    q = qfp.detail(); c = cfp.detail()
    rx, ry = c.fx / q.fx, c.fy / q.fy
    pq = engine._prepare_query(q.grey, rx, ry, c.grey.shape)
    if pq is None: return None, []
    angs = angles(pq.spectrum, scipy.fft.rfft2(c.grey), c.grey.shape, k)
    best = None
    for ang in angs:
        o = engine._detail_alignments(Q(rotated(q, ang)), [cfp])[0]
        if best is None or o.z > best.z: best = o
    return best, angs
if __name__ == '__main__':
    paths = me.pattern_files(Path('../shared/patterns')); reg, dis = suite.split(paths)
    fps = pickle.loads(Path('/tmp/lab/regfps.pkl').read_bytes())
    EVERY = int(sys.argv[1]); ALT = sys.argv[2] if len(sys.argv) > 2 else 'rot_5_10'
    n = hit = 0; t = 0
    for i, p in enumerate(reg):
        if i % EVERY: continue
        a = me._open(p)
        rng = suite._rng(p.name, ALT); ang = rng.uniform(5, 10) * rng.choice([-1, 1])
        q = me._query_fingerprint(suite.alter(a, p.name, ALT))
        t0 = time.time(); best, angs = rot_align(q, fps[i]); t += time.time() - t0
        n += 1; hit += bool(best and ok(best))
        print(f"{p.name[:28]:28s} ang {ang:5.1f} est {angs} z {best.z if best else 0:5.1f} ncc {best.ncc if best else 0:.2f} {'PASS' if best and ok(best) else ''}", flush=True)
    print('n', n, 'pass', hit / n, 'ms per candidate', 1000 * t / n)
