import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, os.environ.get("WT", "/tmp/wt"))
import django; django.setup()
import cv2; cv2.setNumThreads(1)
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
print(E.__file__)
paths = me.pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(paths)
data = []
for p in reg[::int(os.environ.get("EVERY", "20"))]:
    a = me._open(p); data.append((me._query_fingerprint(suite.alter(a, p.name, "market_photo")), me._fingerprint_array(a)))
t = time.process_time()
zs = [E.photo_alignment(q, c, quick=True) for q, c in data]
print("cpu per alignment %.3f s" % ((time.process_time() - t) / len(data)), "passes", sum(a.value > 0.3 for a in zs), "of", len(data))
