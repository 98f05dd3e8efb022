"""Lab: market photo with the generator's own geometry -> exact one-repeat pseudo thumbnail."""
import sys
from pathlib import Path
import numpy as np, cv2
sys.path.insert(0, '/work/main')
sys.argv += [] 
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
exec(open('/tmp/lab/rectify.py').read().split('res = []')[0].split("def hipass")[0])  # thumbs, TF, TW, work
exec('def zscores' + open('/tmp/lab/rectify.py').read().split('def zscores')[1].split('res = []')[0])

def geometry(a, name, alt):
    rng = suite._rng(name, alt)
    big = np.tile(a, (3, 3, 1)); H, W = big.shape[:2]
    span = rng.uniform(1.3, 2.0) * a.shape[1]
    cx, cy = W / 2 + rng.uniform(-0.2, 0.2) * a.shape[1], H / 2
    src = np.float32([[cx - span / 2, cy - span * 0.375], [cx + span / 2, cy - span * 0.375], [cx + span / 2, cy + span * 0.375], [cx - span / 2, cy + span * 0.375]])
    jit = rng.uniform(-0.08, 0.08, (4, 2)) * span
    m = cv2.getPerspectiveTransform(src + jit.astype(np.float32), np.float32([[0, 0], [800, 0], [800, 600], [0, 600]]))
    return m, (cx, cy)

MODE = sys.argv[4] if len(sys.argv) > 4 else "exact"
res = []
for i, p in enumerate(registered):
    if i % EVERY: continue
    a = me._open(p)
    photo = suite.alter(a, p.name, ALT)
    m, (cx, cy) = geometry(a, p.name, ALT)
    h, w = a.shape[:2]
    g = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).astype(np.float32)
    g = g - fp._wide_blur(g, max(g.shape) / 12)
    # grid of the one repeat centred at (cx, cy) in big coordinates
    uu, vv = np.meshgrid((np.arange(64) + 0.5) / 64, (np.arange(64) + 0.5) / 64)
    bx = cx - w / 2 + uu * w; by = cy - h / 2 + vv * h
    pts = np.stack([bx, by, np.ones_like(bx)], -1) @ m.T
    mapx = (pts[..., 0] / pts[..., 2]).astype(np.float32); mapy = (pts[..., 1] / pts[..., 2]).astype(np.float32)
    if MODE == 'affine':
        # best affine fit of the exact grid
        A = np.stack([uu.ravel(), vv.ravel(), np.ones(uu.size)], 1)
        cx_, *_ = np.linalg.lstsq(A, mapx.ravel(), rcond=None); cy_, *_ = np.linalg.lstsq(A, mapy.ravel(), rcond=None)
        mapx = (A @ cx_).reshape(64, 64).astype(np.float32); mapy = (A @ cy_).reshape(64, 64).astype(np.float32)
    elif MODE == 'scale':
        sx = (mapx[:, -1] - mapx[:, 0]).mean(); sy = (mapy[-1] - mapy[0]).mean(); s_ = (sx + sy) / 2
        mx, my = mapx.mean(), mapy.mean()
        mapx = (mx + (uu - 0.5) * sx).astype(np.float32); mapy = (my + (vv - 0.5) * sy).astype(np.float32)
    f = 800 / (span := np.linalg.norm(m[:2, :2] @ [w, 0]))  # rough
    tile_px = abs(mapx[0, -1] - mapx[0, 0])
    gb = cv2.GaussianBlur(g, (0, 0), max(0.5, 0.5 * tile_px / 64))
    q = cv2.remap(gb, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    q = (q - q.mean()) / (q.std() + 1e-3)
    z, c = zscores(q)
    zt, zo, ct, co = z[i], np.delete(z, i).max(), c[i], np.delete(c, i).max()
    res.append((zt, zo, ct, co))
    print(f"{p.name[:30]:30s} {p.parent.name:9s} z {zt:5.1f} other {zo:5.1f} | c {ct:.2f} other {co:.2f} tile {tile_px:.0f}px", flush=True)
r = np.array(res)
print('n', len(r), 'z first', np.mean(r[:, 0] > r[:, 1]), 'z>=2.5x', np.mean(r[:, 0] >= 2.5 * r[:, 1]), 'z>=14&2.5x', np.mean((r[:, 0] >= 14) & (r[:, 0] >= 2.5 * r[:, 1])), 'c first', np.mean(r[:, 2] > r[:, 3]), 'c+0.1', np.mean(r[:, 2] > r[:, 3] + 0.1), 'median', np.median(r, axis=0))
