"""Check engine.photo_alignment against the lab (affgrid_coarse at 2,100): every sixth
registered design's market photo, original and a random other."""
import os, sys, json, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALT = os.environ.get("ALT", "market_photo"); EVERY = int(os.environ.get("EVERY", "6"))
def one(i):
    p = reg[i]; a = me._open(p)
    c = me._fingerprint_array(a)
    q = me._query_fingerprint(suite.alter(a, p.name, ALT))
    t = time.process_time(); v = engine.photo_alignment(q, c).value; dt = time.process_time() - t
    j = int(np.random.default_rng(1000 + i).integers(len(reg))); j = (j + 1) % len(reg) if j == i else j
    vo = engine.photo_alignment(q, me._fingerprint_array(me._open(reg[j]))).value
    s, alt = engine.verify_closely(q, c)
    return p.name, v, vo, dt, s, alt
if __name__ == "__main__":
    with Pool(2) as pool:
        res = pool.map(one, range(0, len(reg), EVERY), chunksize=1)
    n = len(res)
    print(f"pass {sum(r[1] > 0.3 for r in res)/n:.3f} null {sum(r[2] > 0.3 for r in res)} CPU {np.median([r[3] for r in res]):.2f} s; verify_closely matches {sum(r[4] > 0.5 for r in res)}", set(r[5] for r in res))
