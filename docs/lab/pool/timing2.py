"""Lab: CPU time of engine.match(photo=N) on 40 distractor market photos (the photo stage
runs on every one nothing matched), for the engine at WT (a worktree of any commit).
Env WT, PHOTO. Run each commit in its own process, one after the other."""
import os, sys, time
sys.path.insert(0, os.environ.get('WT', '/work/main'))
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
import numpy as np
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
me._single_thread()
files = me.pattern_files(Path('/work/shared/patterns'))
registered, distractors = suite.split(files)
index = E.MatchIndex(); fps = {}
for key, p in enumerate(registered):
    fps[key] = me._fingerprint_array(me._open(p)); index.add(key, fps[key].vector)
queries = [me._query_fingerprint(suite.alter(me._open(p), p.name, 'market_photo')) for p in distractors[:40]]
get = lambda keys: {k: fps[k] for k in keys}
n = int(os.environ.get('PHOTO', '3'))
t = []; w = []
for q in queries:
    t0 = time.process_time(); w0 = time.perf_counter(); E.match(q, index, get, photo=n); t.append(time.process_time() - t0); w.append(time.perf_counter() - w0)
print(f'{E.__file__} photo={n}: CPU per distractor photo median {1000*np.median(t):.0f} ms, '
      f'mean {1000*np.mean(t):.0f} ms, p90 {1000*np.percentile(t, 90):.0f} ms', flush=True)
print(f'  wall median {1000*np.median(w):.0f} ms, mean {1000*np.mean(w):.0f} ms, p90 {1000*np.percentile(w, 90):.0f} ms', flush=True)
