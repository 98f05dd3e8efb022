"""Old (points+remap) vs new (warpPerspective) sampler: the same numbers?"""
import sys, importlib.util, numpy as np, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
from search import engine as new
spec = importlib.util.spec_from_file_location("old_engine", "/tmp/wt/search/engine.py"); old = importlib.util.module_from_spec(spec); spec.loader.exec_module(old)
rng = np.random.default_rng(1)
g = rng.normal(size=(600, 800)).astype(np.float32)
fd = new._rescaled(3.1, 3.1)
worst = 0
for t in range(50):
    back = np.eye(3); back[:2, :2] = rng.normal(0, 0.3, (2, 2)) + np.eye(2); back[:2, 2] = rng.uniform(0, 100, 2)
    back[2, :2] = rng.normal(0, 3e-4, 2)
    for most in (1, 2, 4):
        a = new._FineGrey(g, fd, most).sampled(back, (5.0, 7.0), (128, 96))
        b = old._FineGrey(g, fd, most).sampled(back, (5.0, 7.0), (128, 96))
        worst = max(worst, float(np.abs(a - b).max()))
print("max abs difference", worst, "of grey spread 1")
import cv2
diffs = []
gs = cv2.GaussianBlur(g, (0, 0), 2)
for t in range(50):
    back = np.eye(3); back[:2, :2] = rng.normal(0, 0.3, (2, 2)) + np.eye(2); back[:2, 2] = rng.uniform(0, 100, 2)
    back[2, :2] = rng.normal(0, 3e-4, 2)
    a = new._FineGrey(gs, fd, 4).sampled(back, (5.0, 7.0), (128, 96))
    b = old._FineGrey(gs, fd, 4).sampled(back, (5.0, 7.0), (128, 96))
    diffs.append((np.abs(a - b).mean(), np.abs(a - b).max(), gs.std()))
print("smooth: mean %.5f max %.5f spread %.3f" % tuple(np.max(diffs, 0)))
