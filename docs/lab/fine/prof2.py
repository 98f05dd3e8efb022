import os, sys, cProfile, pstats
sys.path.insert(0, os.environ.get('WT', '/work/main'))
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
me._single_thread()
files = me.pattern_files(Path('/work/shared/patterns'))
registered, distractors = suite.split(files)
index = E.MatchIndex(); fps = {}
for key, p in enumerate(registered):
    fps[key] = me._fingerprint_array(me._open(p)); index.add(key, fps[key].vector)
queries = [me._query_fingerprint(suite.alter(me._open(p), p.name, 'market_photo')) for p in distractors[:20]]
get = lambda keys: {k: fps[k] for k in keys}
calls = []
real = E._homography_alignment
E._homography_alignment = lambda *a: calls.append(1) or real(*a)
pr = cProfile.Profile(); pr.enable()
for q in queries: E.match(q, index, get, photo=int(os.environ.get('PHOTO', '5')))
pr.disable()
print("ECC refinements per photo", len(calls) / len(queries))
pstats.Stats(pr).sort_stats("tottime").print_stats(12)
