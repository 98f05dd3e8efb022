import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import numpy as np
from PIL import Image
from search import engine, fingerprint as fp, match_suite as suite
real = engine._homography_alignment
for seed in range(int(sys.argv[1]), int(sys.argv[2])):
    texture = suite.synthetic_texture(seed)
    photo = suite.market_photo(texture, np.random.default_rng(seed))
    q = fp.compute_query(Image.fromarray(np.ascontiguousarray(photo)))
    o = fp.compute(Image.fromarray(texture))
    engine._homography_alignment = real
    a = engine.photo_alignment(q, o, quick=True)
    engine._homography_alignment = lambda *x: engine._Alignment()
    b = engine.photo_alignment(q, o, quick=True)
    print(seed, f"refined {a.value:.2f} z{a.z:.1f} | affine {b.value:.2f} z{b.z:.1f}", flush=True)
