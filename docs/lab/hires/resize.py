"""Lab (row 83): one registered design's market photo (black_scales + hue 90°) folded at the
generator's own perspective: sampled at the candidate detail's grid (the engine before
item 24's working grid) against folded at the file's grid and reduced by INTER_AREA, linear or
cubic; the whitened peak of each against the registered detail."""
import os, sys, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; import numpy as np
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine as E
paths = me.pattern_files(Path("/work/shared/patterns")); by_name = {p.name: p for p in paths}
name, alt = "subtle-black_scales.png", "market_photo+hue_90"
a = me._open(by_name[name]); cand = me._fingerprint_array(a)
photo = suite.alter(a, name, alt); q = me._query_fingerprint(photo)
qd, cd = q.detail(), cand.detail()
print("qd", qd.grey.shape, qd.fx, qd.fy, "cd", cd.grey.shape, cd.fx, cd.fy, "photo", photo.shape)
m, _ = suite.photo_perspective(a.shape, suite._rng(name, alt))
full = fp.normalised_grey(photo).astype(np.float32)
h, w = a.shape[:2]
tot = np.zeros((h, w), np.float32); cnt = np.zeros((h, w), np.float32)
tx, ty = np.meshgrid(np.arange(w, dtype=float), np.arange(h, dtype=float))
ones = np.ones_like(full)
for i in range(3):
    for j in range(3):
        P = np.stack([tx + j * w, ty + i * h, np.ones_like(tx)], -1) @ m.T
        px = (P[..., 0] / P[..., 2]).astype(np.float32); py = (P[..., 1] / P[..., 2]).astype(np.float32)
        ins = cv2.remap(ones, px, py, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT)
        s = cv2.remap(full, px, py, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        tot += s * ins; cnt += ins
g = np.where(cnt > 0, tot / np.maximum(cnt, 1), tot.sum() / cnt.sum()).astype(np.float32)
d = fp.detail(g, (1.0, 1.0))
print("ceiling fold detail", d.grey.shape, d.fx)
class Q:
    def __init__(s, d): s._d = d
    def detail(s): return s._d
wk = E._DetailWork(Q(d), [cand]); wk.run(); al = wk.out[0]
print("ceiling rule z %.1f value %.2f turn %.1f" % (al.z, al.value, al.turn))
pr = E._prepare_query(d.grey, 1.0, 1.0, cd.grey.shape); al = E._align(pr, E._CandidateDetail(cd.grey))
print("direct align z %.1f value %.2f" % (al.z, al.value))
# engine fold at T
size = np.array([cd.grey.shape[1], cd.grey.shape[0]], float)
Qi = np.array([[1 / qd.fx, 0, 0.5 / qd.fx - 0.5], [0, 1 / qd.fy, 0.5 / qd.fy - 0.5], [0, 0, 1.0]]); C = np.array([[cd.fx, 0, 0.5 * cd.fx - 0.5], [0, cd.fy, 0.5 * cd.fy - 0.5], [0, 0, 1.0]])
T = np.array([[1, 0, size[0]], [0, 1, size[1]], [0, 0, 1.0]]) @ C @ np.linalg.inv(m) @ Qi
fine = E._FineGrey.of(q, qd)
hh, ww = cd.grey.shape
ge = E._folded(qd.grey, np.linalg.inv(T), ww, hh, fine)
c = np.corrcoef(ge.ravel(), d.grey.ravel())[0, 1]
print("engine fold vs ceiling fold corr", c)
for dx in (-1, 0, 1):
    for dy in (-1, 0, 1):
        print(dx, dy, round(np.corrcoef(np.roll(ge, (dy, dx), (0, 1)).ravel(), d.grey.ravel())[0, 1], 3), end="; ")

print()
pr = E._prepare_query(ge, 1.0, 1.0, cd.grey.shape); al = E._align(pr, E._CandidateDetail(cd.grey))
print("engine fold align z %.1f value %.2f" % (al.z, al.value))
print("ge stats", ge.mean(), ge.std(), ge.dtype, "d stats", d.grey.mean(), d.grey.std())
pr = E._prepare_query((ge - ge.mean()) / ge.std(), 1.0, 1.0, cd.grey.shape); al = E._align(pr, E._CandidateDetail(cd.grey))
print("normalised ge align z %.1f value %.2f" % (al.z, al.value))
for K in (1, 2, 3, 4):
    E.PHOTO_SUPERSAMPLE = K
    ge = E._folded(qd.grey, np.linalg.inv(T), ww, hh, fine)
    pr = E._prepare_query(ge, 1.0, 1.0, cd.grey.shape); al = E._align(pr, E._CandidateDetail(cd.grey))
    print("K", K, "z %.1f value %.2f corr %.3f" % (al.z, al.value, np.corrcoef(ge.ravel(), d.grey.ravel())[0, 1]))
E.PHOTO_SUPERSAMPLE = 4
# ceiling-style at file grid via engine sampling: sample at 280/256 finer then INTER_AREA
import scipy.ndimage as ndi
ge = E._folded(qd.grey, np.linalg.inv(T), ww, hh, fine)
best = []
for dx in np.arange(-0.75, 0.8, 0.25):
    for dy in np.arange(-0.75, 0.8, 0.25):
        g2 = ndi.fourier_shift(np.fft.fft2(ge - ge.mean()), (dy, dx)); g2 = np.fft.ifft2(g2).real.astype(np.float32)
        pr = E._prepare_query(g2, 1.0, 1.0, cd.grey.shape); al = E._align(pr, E._CandidateDetail(cd.grey))
        best.append((al.z, dx, dy, al.value))
best.sort(reverse=True); print(best[:4])
fsize = np.array([w, h], float)
Tf = np.array([[1, 0, fsize[0]], [0, 1, fsize[1]], [0, 0, 1.0]]) @ np.linalg.inv(m) @ Qi
gf = E._folded(qd.grey, np.linalg.inv(Tf), w, h, fine)
for interp, lab in ((cv2.INTER_AREA, "area"), (cv2.INTER_CUBIC, "cubic"), (cv2.INTER_LINEAR, "linear")):
    g3 = cv2.resize(gf, (ww, hh), interpolation=interp)
    pr = E._prepare_query(g3, 1.0, 1.0, cd.grey.shape); al = E._align(pr, E._CandidateDetail(cd.grey))
    print("file-grid fold then", lab, "z %.1f value %.2f" % (al.z, al.value))
g3 = cv2.resize(g, (ww, hh), interpolation=cv2.INTER_CUBIC)
pr = E._prepare_query(g3, 1.0, 1.0, cd.grey.shape); al = E._align(pr, E._CandidateDetail(cd.grey))
print("ceiling fold, cubic resize z %.1f value %.2f" % (al.z, al.value))
