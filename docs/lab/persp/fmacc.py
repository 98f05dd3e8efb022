"""Lab: how close is the Fourier-Mellin similarity (scale, turn) of a market photo's detail
against its original's to the generator's own (the start the anisotropy/shear grid needs)?"""
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/docs/lab/persp")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite
import persp
sys.path.insert(0, "/tmp/lab")
from affgrid import truth, decompose
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALT = os.environ.get("ALT", "market_photo"); EVERY = int(os.environ.get("EVERY", "2")); PEAKS = int(os.environ.get("PEAKS", "3"))

def one(i):
    p = reg[i]; a = me._open(p)
    c = me._fingerprint_array(a).detail(); qd = me._query_fingerprint(suite.alter(a, p.name, ALT)).detail()
    J, _ = truth(a, p.name)
    s, t, al, h = decompose(qd.fx * J / c.fx)
    out = []
    for sf, th, val in persp.scale_rotation(qd.grey.astype(np.float32), c.grey.astype(np.float32), peaks=PEAKS):
        ds = abs(np.log(sf / s)); dt = abs((th - t + np.pi / 2) % np.pi - np.pi / 2)
        out.append((ds, np.degrees(dt)))
    return p.name, out, s

if __name__ == "__main__":
    with Pool(2) as pool:
        res = pool.map(one, range(0, len(reg), EVERY), chunksize=4)
    n = len(res)
    for k in (1, PEAKS):
        for S, T in ((0.03, 1.5), (0.05, 3), (0.1, 5)):
            ok = sum(any(ds < S and dt < T for ds, dt in out[:k]) for _, out, _ in res)
            print(f"{ALT} peaks {k}: within {S:.0%} / {T} deg: {ok}/{n} = {ok/n:.2f}")
    print("true scale (query detail px per candidate detail px): min %.2f median %.2f max %.2f" % (min(r[2] for r in res), np.median([r[2] for r in res]), max(r[2] for r in res)))
