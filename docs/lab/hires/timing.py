"""Lab: CPU time of engine.match(photo=3) on distractor market photos (the photo stage runs
on every one nothing matched): item 22 as shipped against item 24's variants (env switches
read at call time: FINE_ECC, WORKGRID, ECC_GATE; FINE_OFF=1 gives no fine grey)."""
import os, sys, time
sys.path.insert(0, '/work/main')
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
real_of = E._FineGrey.of
for label, env in [("item 22 (no fine grey, gate 8)", dict(FINE_OFF="1", ECC_GATE="8")),
                   ("fine grey, ECC on the detail, gate 5", dict(ECC_GATE="5", FINE_ECC="0")),
                   ("item 22 again", dict(FINE_OFF="1", ECC_GATE="8"))]:
    os.environ.update(FINE_ECC="1", WORKGRID="1"); os.environ.pop("FINE_OFF", None); os.environ.update(env)
    E._FineGrey.of = staticmethod(lambda q, d: None) if os.environ.get("FINE_OFF") else staticmethod(real_of)
    t = []
    for q in queries:
        t0 = time.process_time(); E.match(q, index, get, photo=3); t.append(time.process_time() - t0)
    print(f'{label}: CPU per distractor photo median {1000*np.median(t):.0f} ms, mean {1000*np.mean(t):.0f} ms, p90 {1000*np.percentile(t, 90):.0f} ms', flush=True)
