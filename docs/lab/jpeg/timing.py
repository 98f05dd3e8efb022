"""CPU of engine.match on JPEG 30 distractor queries (nothing matches: the witness tries
every candidate), with and without pixels (engine item 23)."""
import sys, time, os, numpy as np
sys.path.insert(0, '/work/main')
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
from pathlib import Path
from search import engine, match_eval as me, match_suite as suite
from search import fingerprint as fp
fs = me.pattern_files(Path('/work/shared/patterns'))
reg, dis = suite.split(fs)
index = engine.MatchIndex(); fps = {}
for k, p in enumerate(reg):
    f = me._fingerprint_array(me._open(p)); fps[k] = f; index.add(k, f.vector)
pix = lambda k: me._open(reg[k])
rows = []
ALTS = sys.argv[1].split(',')
N = int(sys.argv[2])
for p in dis[:N]:
    for alt in ALTS:
        q = me._query_fingerprint(suite.alter(me._open(p), p.name, alt))
        t0 = time.process_time(); a = engine.match(q, index, lambda ks: {k: fps[k] for k in ks})
        t1 = time.process_time(); b = engine.match(q, index, lambda ks: {k: fps[k] for k in ks}, pixels=pix)
        t2 = time.process_time()
        if not any(r.is_match for r in a):
            rows.append((t1 - t0, t2 - t1, any(r.is_match for r in b)))
r = np.array([(x, y) for x, y, _ in rows])
print(len(rows), 'no-match distractor queries; CPU median without / with pixels:', np.median(r, 0).round(3), 'p90', np.percentile(r, 90, 0).round(3), 'flagged with pixels', sum(z for *_, z in rows))
