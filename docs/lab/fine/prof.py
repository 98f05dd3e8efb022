import os, sys, cProfile, pstats
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, os.environ.get("WT", "/tmp/wt"))
import django; django.setup()
import cv2; cv2.setNumThreads(1)
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
paths = me.pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(paths)
jobs = [(p, "market_photo") for p in reg[::20]]
data = []
for p, alt in jobs:
    a = me._open(p); data.append((me._query_fingerprint(suite.alter(a, p.name, alt)), me._fingerprint_array(a)))
pr = cProfile.Profile(); pr.enable()
for q, c in data: E.photo_alignment(q, c, quick=True)
pr.disable()
pstats.Stats(pr).sort_stats("cumulative").print_stats(40)
