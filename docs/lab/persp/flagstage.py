"""The photo stage's alignments for listed (file, alteration) queries: every design it
aligned, with z, ncc, lp_z, lp_ncc and value, as JSON lines."""
import os, sys, json, pickle
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
from threadpoolctl import threadpool_limits; threadpool_limits(1)
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
fps = dict(enumerate(pickle.load(open("/tmp/lab/regfps.pkl", "rb"))))
index = engine.MatchIndex()
for k, f in fps.items(): index.add(k, f.vector)
byname = {p.name: p for p in paths}
real = engine.photo_alignment
def one(line):
    name, alt = line.split()[:2]
    q = me._query_fingerprint(suite.alter(me._open(byname[name]), name, alt))
    log = []
    def spy(query, cand, **kw):
        a = real(query, cand, **kw)
        key = next(k for k, f in fps.items() if f is cand)
        log.append((reg[key].name, round(a.z, 2), round(a.ncc, 3), round(a.lp_z, 2), round(a.lp_ncc, 3), round(a.value, 3)))
        return a
    engine.photo_alignment = spy
    res = engine.match(q, index, lambda ks: {k: fps[k] for k in ks}, photo=3)
    engine.photo_alignment = real
    return {"file": name, "alteration": alt, "registered": name in {p.name for p in reg},
            "aligned": log, "flagged": [(reg[r.key].name, r.alteration) for r in res if r.is_match]}
if __name__ == "__main__":
    lines = [l for l in sys.stdin if l.strip()]
    with Pool(2) as pool:
        for out in pool.imap(one, lines):
            print(json.dumps(out), flush=True)
