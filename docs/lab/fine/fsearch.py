"""Lab: photo_alignment of the original with switches (env MODES as name=VAR=val,...), for
the registered market photos aligned without passing or withdrawn (photoloss) and every
FOUND_EVERY-th found one. Args: photoloss output, rows."""
import os, sys, json, ast, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, os.environ.get("WT", "/tmp/wt"))
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine as E
paths = me.pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(paths)
by_name = {p.name: p for p in paths}
MODES = {"base": {}}
for spec in os.environ.get("MODES", "fine=FINESEARCH=1").split(","):
    name, var, val = spec.split("=")
    MODES.setdefault(name, {})[var] = val
ALLVARS = {v for m in MODES.values() for v in m}

def one(job):
    name, alt = job
    a = me._open(by_name[name]); cand = me._fingerprint_array(a)
    out = {}
    for mode, sw in MODES.items():
        for v in ALLVARS: os.environ.pop(v, None)
        os.environ.update(sw)
        q = me._query_fingerprint(suite.alter(a, name, alt))
        t = time.process_time()
        al = E.photo_alignment(q, cand, quick=True)
        out[mode] = (round(al.z, 1), round(al.value, 3), round(time.process_time() - t, 3))
    return name, alt, out

if __name__ == "__main__":
    cls = {}
    for l in open(sys.argv[1]):
        if l.startswith("   ("):
            t = ast.literal_eval(l.strip()); cls[(t[0], t[1])] = t[2]
    rows = [json.loads(l) for l in open(sys.argv[2])]
    found = [(r["file"], r["alteration"]) for r in rows if r["truth"] >= 0 and r["found"] and r["alteration"].startswith("market")]
    jobs = [k for k, c in cls.items() if c.startswith(("aligned", "passed"))]
    fe = int(os.environ.get("FOUND_EVERY", "6"))
    jobs_f = found[::fe]
    with Pool(2) as pool:
        out = pool.map(one, jobs + jobs_f, chunksize=1)
    json.dump(out, open("/tmp/lab/kp/fsearch_%s.json" % os.environ.get("TAG", "x"), "w"))
    lost, fnd = out[:len(jobs)], out[len(jobs):]
    for mode in MODES:
        print(mode, "missed-set pass", sum(o[2][mode][1] > 0.3 for o in lost), "of", len(lost),
              "| found-set pass", sum(o[2][mode][1] > 0.3 for o in fnd), "of", len(fnd),
              "| median z lost %.1f" % np.median([o[2][mode][0] for o in lost]),
              "| cpu mean %.3f" % np.mean([o[2][mode][2] for o in out]))
