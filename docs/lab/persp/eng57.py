"""Engine item 17 as shipped (full grid) and its quick variant (spectral first pass),
every EVERY-th registered design's market photo, original and a random other design."""
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
from threadpoolctl import threadpool_limits; threadpool_limits(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALT = os.environ.get("ALT", "market_photo"); EVERY = int(os.environ.get("EVERY", "3")); FULL = int(os.environ.get("FULL", "1"))
def one(i):
    p = reg[i]; a = me._open(p)
    c = me._fingerprint_array(a); q = me._query_fingerprint(suite.alter(a, p.name, ALT))
    j = int(np.random.default_rng(1000 + i).integers(len(reg))); j = (j + 1) % len(reg) if j == i else j
    o = me._fingerprint_array(me._open(reg[j]))
    out = [p.name]
    for quick in ((False, True) if FULL else (True,)):
        t = time.process_time(); v = engine.photo_alignment(q, c, quick=quick).value; dt = time.process_time() - t
        out += [v, engine.photo_alignment(q, o, quick=quick).value, dt]
    return out
if __name__ == "__main__":
    with Pool(2) as pool:
        res = pool.map(one, range(0, len(reg), EVERY), chunksize=1)
    n = len(res)
    for k, name in enumerate(("full", "quick") if FULL else ("quick",)):
        print(f"{ALT} {name}: pass {sum(r[1+3*k] > 0.3 for r in res)/n:.3f} of {n}, null {sum(r[2+3*k] > 0.3 for r in res)}, CPU median {np.median([r[3+3*k] for r in res]):.3f} s")
