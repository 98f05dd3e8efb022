"""Lab: rotation 5-10 deg (fabric askew) through the detail witness, at the generator's
own angle (oracle) and at an angle estimated from the magnitude spectra."""
import sys, pickle, os
from pathlib import Path
import numpy as np, cv2
sys.path.insert(0, '/work/main')
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
paths = me.pattern_files(Path('../shared/patterns')); reg, dis = suite.split(paths)
fps = pickle.loads(Path('/tmp/lab/regfps.pkl').read_bytes())
EVERY = int(sys.argv[1]) if len(sys.argv) > 1 else 1
class Q:
    def __init__(self, d): self._d = d
    def detail(self): return self._d
def ok(a):
    return (a.z >= 14 and a.ncc >= 0.3) or (a.z >= 8 and a.ncc >= 0.6) or (a.lp_z >= 14 and a.lp_ncc >= 0.4)
def rotated(d, deg):
    g = d.grey; h, w = g.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    r = cv2.warpAffine(g, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # keep the inner part that the rotation does not fill with reflections
    c = np.cos(np.radians(abs(deg))); s_ = np.sin(np.radians(abs(deg)))
    return fp.Detail(r.astype(np.float32), d.fx, d.fy)
n = base = orc = 0
for i, p in enumerate(reg):
    if i % EVERY: continue
    a = me._open(p)
    rng = suite._rng(p.name, 'rot_5_10'); ang = rng.uniform(5, 10) * rng.choice([-1, 1])
    q = me._query_fingerprint(suite.alter(a, p.name, 'rot_5_10')); d = q.detail()
    b = engine._detail_alignments(q, [fps[i]])[0]
    best = None
    for sign in (1, -1):
        o = engine._detail_alignments(Q(rotated(d, sign * ang)), [fps[i]])[0]
        if best is None or o.z > best.z: best = o
    n += 1; base += ok(b); orc += ok(best)
    print(f"{p.name[:28]:28s} ang {ang:5.1f} plain z {b.z:5.1f}/{b.ncc:.2f} oracle z {best.z:5.1f}/{best.ncc:.2f} lp {best.lp_z:.1f}/{best.lp_ncc:.2f} {'PASS' if ok(best) else ''}", flush=True)
print('n', n, 'plain pass', base / n, 'oracle pass', orc / n)
