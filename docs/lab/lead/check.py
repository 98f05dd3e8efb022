"""Lab: the replay with the shipped constants equals engine.match(photo=3) query by query."""
import os, sys, pickle
from pathlib import Path
sys.path.insert(0, '/work/main'); sys.path.insert(0, '/tmp/lab/lead')
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
from search import match_eval as me, match_suite as suite, engine as E
import replay
data = replay.load(sys.argv[1])
files = me.pattern_files(Path('/work/shared/patterns'))
registered, _ = suite.split(files)
fps = {}; index = E.MatchIndex()
for key, p in enumerate(registered):
    fps[key] = me._fingerprint_array(me._open(p)); index.add(key, fps[key].vector)
by_name = {p.name: p for p in files}
bad = 0
for row in data['rows']:
    name, alt = row[:2]
    q = me._query_fingerprint(suite.alter(me._open(by_name[name]), name, alt))
    res = E.match(q, index, lambda ks: {k: fps[k] for k in ks}, photo=3)
    got = [(r.key, r.is_match) for r in res]
    top, _ = replay.decide(row, replay.Rule())
    want = [(t[2], t[3]) for t in top]
    if got != want:
        bad += 1; print(name, alt, got, want)
print('rows', len(data['rows']), 'differ', bad)
