import os, sys, importlib.util
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
os.environ.update(FINESEARCH="1", FINEMOST="2", FINER="1")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as new
spec = importlib.util.spec_from_file_location("old_engine", "/tmp/wt/search/engine.py"); old = importlib.util.module_from_spec(spec); spec.loader.exec_module(old)
paths = me.pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(paths)
for p in reg[::25]:
    a = me._open(p); c = me._fingerprint_array(a)
    for alt in ("market_photo", "resize_0.5"):
        q = me._query_fingerprint(suite.alter(a, p.name, alt))
        x, y = new.photo_alignment(q, c, quick=True), old.photo_alignment(q, c, quick=True)
        print(p.name[:25], alt, round(x.z, 3), round(y.z, 3), round(x.value, 3), round(y.value, 3))
