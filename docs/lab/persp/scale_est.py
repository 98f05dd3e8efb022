"""Lab: scale and turn of a query against a candidate from their log-polar magnitude
spectra (2-D correlation over angle and log-radius), then engine item 12's alignment."""
import sys, pickle, os, time
sys.path.insert(0, '/work/main')
from pathlib import Path
import numpy as np, cv2, scipy.fft
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
NA, NR = 180, int(os.environ.get('NR', 96))
LOGMAX = np.log(float(os.environ.get('SMAX', 2.2)))
def maps(shape):
    h, w = shape
    radii = np.exp(np.linspace(np.log(3.0 / min(h, w)), np.log(0.35), NR))
    ang = -np.pi / 2 + np.arange(NA) * np.pi / NA
    fx = radii[None] * np.cos(ang)[:, None]; fy = radii[None] * np.sin(ang)[:, None]
    return (fx * w).astype(np.float32), (fy * h).astype(np.float32), np.log(radii[1] / radii[0])
def lpolar(spec, shape):
    s = spec.astype(np.complex64)
    m = cv2.log(cv2.magnitude(np.ascontiguousarray(s.real), np.ascontiguousarray(s.imag)) + 1.0)
    mx, my, step = maps(shape)
    p = cv2.remap(m, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    return p - p.mean(axis=0, keepdims=True), step
def scale_turn(pq, c_spec, shape):
    a, step = lpolar(pq.spectrum, shape); b, _ = lpolar(c_spec, shape)
    A = np.zeros((NA, 2 * NR), np.float32); B = np.zeros((NA, 2 * NR), np.float32)
    A[:, :NR] = a; B[:, :NR] = b
    corr = np.real(np.fft.ifft2(np.fft.fft2(A) * np.conj(np.fft.fft2(B))))
    deg = np.arange(NA) * 180.0 / NA; deg = np.where(deg > 90, deg - 180, deg)
    sh = np.arange(2 * NR); sh = np.where(sh >= NR, sh - 2 * NR, sh) * step  # log f_q - log f_c
    ok = (np.abs(deg)[:, None] <= 20) & (np.abs(sh)[None] <= LOGMAX)
    z = (corr - corr[ok].mean()) / (corr[ok].std() + 1e-9)
    zz = np.where(ok, z, -np.inf)
    i = int(np.argmax(zz)); da, dr = np.unravel_index(i, zz.shape)
    # query spectrum at rho + shift equals candidate's at rho: f_q = f_c * e^shift;
    # a period P in the candidate is P / e^shift in the query: enlarge the query by e^shift
    return float(deg[da]), float(np.exp(sh[dr])), float(zz[da, dr])
class Q:
    def __init__(self, d): self._d = d
    def detail(self): return self._d
def align_st(qfp, cfp):
    q = qfp.detail(); c = cfp.detail(); shape = c.grey.shape
    rx, ry = c.fx / q.fx, c.fy / q.fy
    pq = engine._prepare_query(q.grey, rx, ry, shape)
    if pq is None: return None, None
    turn, s, z = scale_turn(pq, scipy.fft.rfft2(c.grey), shape)
    g = engine._turned(q.grey, turn) if abs(turn) >= 1 else q.grey
    d = fp.Detail(g.astype(np.float32), q.fx / s, q.fy / s)
    al = engine._detail_alignments(Q(d), [cfp])[0]
    return al, (turn, s, z)
if __name__ == '__main__':
    paths = me.pattern_files(Path('../shared/patterns')); reg, dis = suite.split(paths)
    fps = pickle.loads(Path('/tmp/lab/regfps.pkl').read_bytes())
    EVERY = int(sys.argv[1]); ALT = sys.argv[2]
    rng0 = np.random.default_rng(0)
    n = hit = 0; zt, zo, other_pass = [], [], 0
    for i, p in enumerate(reg):
        if i % EVERY: continue
        q = me._query_fingerprint(suite.alter(me._open(p), p.name, ALT))
        al, st = align_st(q, fps[i])
        n += 1; ok = al is not None and al.value > 0.3; hit += ok
        zt.append(st[2] if st else 0)
        for j in rng0.choice(len(reg), 5, replace=False):
            if j == i: continue
            ao, so = align_st(q, fps[j]); zo.append(so[2] if so else 0); other_pass += bool(ao and ao.value > 0.3)
        print(f"{p.name[:26]:26s} est turn {st[0] if st else 0:5.1f} scale {st[1] if st else 0:.3f} z {st[2] if st else 0:.1f} -> {'PASS' if ok else ''} {al.z if al else 0:.1f}/{al.ncc if al else 0:.2f}", flush=True)
    print(ALT, 'n', n, 'pass', hit / n, 'others passing', other_pass, 'of', len(zo), 'z truth q10/50', np.quantile(zt, [.1, .5]).round(1), 'others q50/90/99', np.quantile(zo, [.5, .9, .99]).round(1))
