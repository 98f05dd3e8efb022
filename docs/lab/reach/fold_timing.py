"""Lab: CPU time of engine.match(photo=3) on distractor market photos (the photo stage
runs on every one nothing matched), shipped vs folding at ECC gates 8 and 5.5."""
import os, sys, time
sys.path.insert(0, '/tmp/wt')
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
for fold, gate in [(False, 8.0), (True, 8.0), (True, 5.5), (False, 8.0)]:
    E.FOLD, E.PHOTO_ECC_GATE = fold, gate
    t = []
    for q in queries:
        t0 = time.process_time(); E.match(q, index, get, photo=3); t.append(time.process_time() - t0)
    print(f'fold {fold} gate {gate}: CPU per distractor photo median {1000*np.median(t):.0f} ms, mean {1000*np.mean(t):.0f} ms', flush=True)
