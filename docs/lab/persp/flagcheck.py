"""Which distractor flags does the photo option add? Re-run listed (file, alteration)
queries with photo=0 and photo=3 against the 213 registered designs."""
import os, sys, json, pickle
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
from threadpoolctl import threadpool_limits; threadpool_limits(1)
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
fps = dict(enumerate(pickle.load(open("/tmp/lab/regfps.pkl", "rb"))))
index = engine.MatchIndex()
for k, f in fps.items(): index.add(k, f.vector)
byname = {p.name: p for p in paths}
for line in sys.stdin:
    name, alt = line.split()
    q = me._query_fingerprint(suite.alter(me._open(byname[name]), name, alt))
    out = []
    for photo in (0, 3):
        res = engine.match(q, index, lambda ks: {k: fps[k] for k in ks}, photo=photo)
        out.append([(reg[r.key].name, r.score, r.alteration) for r in res if r.is_match])
    print(name, alt, "photo0:", out[0], "photo3:", out[1], flush=True)
