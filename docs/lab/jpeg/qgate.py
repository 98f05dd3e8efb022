"""Would the other witnesses find a JPEG copy of the file at quality Q without item 23?"""
import sys, os, numpy as np
sys.path.insert(0, '/work/main')
from pathlib import Path
from search import engine, match_eval as me, match_suite as suite
from search import jpegcopy as J
fs = me.pattern_files(Path('/work/shared/patterns'))
reg, dis = suite.split(fs)
index = engine.MatchIndex(); fps = {}
for k, p in enumerate(reg):
    f = me._fingerprint_array(me._open(p)); fps[k] = f; index.add(k, f.vector)
Q = [int(q) for q in sys.argv[1].split(',')]
every = int(sys.argv[2])
for q in Q:
    found = 0; n = 0; readq = []
    for k, p in list(enumerate(reg))[::every]:
        a = me._open(p)
        qa = suite._jpeg(a, q)
        f = me._query_fingerprint(qa)
        r = engine.match(f, index, lambda ks: {kk: fps[kk] for kk in ks})
        found += any(x.key == k and x.is_match for x in r[:5]); n += 1
        code = J.Query.of(qa)
        readq.append(code is not None)
    print('quality', q, 'found without item 23', found, 'of', n, 'table read', sum(readq))
