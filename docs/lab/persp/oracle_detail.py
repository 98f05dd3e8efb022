"""Lab: market photo rectified by the generator's exact perspective, then the detail
witness (engine item 12) against every registered design. Upper bound for a
perspective-fitting witness."""
import sys, pickle, os
from pathlib import Path
import numpy as np, cv2
sys.path.insert(0, '/work/main')
from PIL import Image
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine

folder = Path(sys.argv[1]); ALT = sys.argv[2]; EVERY = int(sys.argv[3]); WIN = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
paths = me.pattern_files(folder)
reg, dis = suite.split(paths)
cache = Path('/tmp/lab/regfps.pkl')
if cache.exists():
    fps = pickle.loads(cache.read_bytes())
else:
    fps = [me._fingerprint_array(me._open(p)) for p in reg]
    cache.write_bytes(pickle.dumps(fps))

def geometry(a, name, alt):
    """The generator's own perspective (tiling -> photo), centre and span."""
    m, centre = suite.photo_perspective(a.shape, suite._rng(name, alt))
    span = suite._rng(name, alt).uniform(1.3, 2.0) * a.shape[1]  # its first draw
    return m, centre, span

class Q:
    def __init__(self, d): self._d = d
    def detail(self): return self._d

def rectified(a, name):
    photo = suite.alter(a, name, ALT)
    m, (cx, cy), span = geometry(a, name, ALT)
    h, w = a.shape[:2]
    # window of WIN tiles (clipped to what the photo covers vertically) around (cx, cy)
    ww = int(min(WIN * w, span * 0.95)); wh = int(min(WIN * h, span * 0.7))
    xs = cx - ww / 2 + np.arange(ww); ys = cy - wh / 2 + np.arange(wh)
    bx, by = np.meshgrid(xs, ys)
    pts = np.stack([bx, by, np.ones_like(bx)], -1) @ m.T
    mx = (pts[..., 0] / pts[..., 2]).astype(np.float32); my = (pts[..., 1] / pts[..., 2]).astype(np.float32)
    if os.environ.get('AFFINE'):
        A = np.stack([bx.ravel() - cx, by.ravel() - cy, np.ones(bx.size)], 1)
        if os.environ.get('AFFINE') == 'centre':
            # the local affine at the window's centre (what a similarity+shear search could find)
            e = 1.0
            def f(x, y):
                v = m @ [x, y, 1.0]; return v[:2] / v[2]
            c0 = f(cx, cy); J = np.stack([f(cx + e, cy) - c0, f(cx, cy + e) - c0], 1)
            pr = (np.stack([bx.ravel() - cx, by.ravel() - cy], 1) @ J.T) + c0
            mx = pr[:, 0].reshape(bx.shape).astype(np.float32); my = pr[:, 1].reshape(bx.shape).astype(np.float32)
        else:
            sx, *_ = np.linalg.lstsq(A, mx.ravel(), rcond=None); sy, *_ = np.linalg.lstsq(A, my.ravel(), rcond=None)
            mx = (A @ sx).reshape(bx.shape).astype(np.float32); my = (A @ sy).reshape(bx.shape).astype(np.float32)
    if os.environ.get('STORED'):
        qd = me._query_fingerprint(photo).detail()
        g = cv2.remap(qd.grey, mx * qd.fx, my * qd.fy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        return fp.detail(g, (1.0, 1.0))
    g = cv2.remap(photo, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    grey = fp.normalised_grey(g)
    return fp.detail(grey, (1.0, 1.0))

def run(paths_, truth):
    out = []
    for i, p in enumerate(paths_):
        if i % EVERY: continue
        a = me._open(p)
        d = rectified(a, p.name)
        al = engine._detail_alignments(Q(d), fps)
        z = np.array([x.z for x in al]); c = np.array([x.ncc for x in al])
        ok = ((z >= 14) & (c >= 0.3)) | ((z >= 8) & (c >= 0.6))
        if truth:
            t = reg.index(p)
            zo = np.delete(z, t).max(); co = np.delete(c, t)[np.delete(z, t).argmax()]
            others = np.delete(ok, t).any()
            out.append((z[t], c[t], ok[t], others))
            print(f"{p.name[:28]:28s} z {z[t]:5.1f} ncc {c[t]:.2f} pass {int(ok[t])} | best other z {zo:5.1f} other pass {int(others)} tile {a.shape[1]}", flush=True)
        else:
            out.append((z.max(), c.max(), ok.any(), 0))
            if ok.any(): print('DISTRACTOR FLAG', p.name, z.max(), flush=True)
    return np.array(out, float)

r = run(reg, True)
print('registered n', len(r), 'pass', r[:, 2].mean(), 'others pass', r[:, 3].mean(), 'median z', np.median(r[:, 0]), 'median ncc', np.median(r[:, 1]))
d = run(dis, False)
print('distractors n', len(d), 'flagged', d[:, 2].mean())
