import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings")
sys.path.insert(0, os.getcwd())
import numpy as np, cv2
from PIL import Image
from search import fingerprint as fp, engine, match_suite as suite
def weave(seed, side=240, period=12, contrast=6.0, grain=3.0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side].astype(float)
    ph = rng.uniform(0, 2*np.pi, 2)
    warp = np.sin(2*np.pi*x/period + ph[0]) * np.sign(np.sin(2*np.pi*y/(2*period) + ph[1]))
    weft = np.sin(2*np.pi*y/period + ph[0]) * -np.sign(np.sin(2*np.pi*x/(2*period) + ph[1]))
    g = 180 + contrast * np.maximum(warp, weft)
    n = rng.normal(size=(side, side)); n = cv2.GaussianBlur(n, (0, 0), 1.2); g += grain * n / n.std()
    return np.stack([g, g*0.95, g*0.9], -1).clip(0, 255).astype(np.uint8)
import itertools
for period, contrast, grain in itertools.product((20, 24, 28), (2.0, 2.5, 3.0), (0.4, 0.6, 0.8)):
    reg = [fp.compute(Image.fromarray(weave(s, period=period, contrast=contrast, grain=grain))) for s in (1, 2, 3)]
    q = fp.compute_query(Image.fromarray(np.ascontiguousarray(suite._jpeg(weave(1, period=period, contrast=contrast, grain=grain), 30))))
    ev = engine.verify_many(q, reg)
    d = [e.detail for e in ev]
    print(period, contrast, grain, ' | '.join(f"z {a.z:.1f} n {a.ncc:.2f} lz {a.lp_z:.1f} ln {a.lp_ncc:.2f} s {engine.score_of(e):.2f}" for a, e in zip(d, ev)))
