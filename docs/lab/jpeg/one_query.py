import sys, numpy as np
sys.path.insert(0, '/work/main')
from pathlib import Path
from search import engine, match_eval as me, match_suite as suite, jpegcopy as J
fs = me.pattern_files(Path('/work/shared/patterns'))
reg, dis = suite.split(fs)
index = engine.MatchIndex(); fps = {}
for k, p in enumerate(reg):
    f = me._fingerprint_array(me._open(p)); fps[k] = f; index.add(k, f.vector)
name, alt = sys.argv[1], sys.argv[2]
p = [x for x in fs if x.name == name][0]
truth = reg.index(p)
a = suite.alter(me._open(p), p.name, alt)
q = me._query_fingerprint(a)
orig = engine._recompressed
def spy(code, scored, peaks, cosines, hamming, pixels):
    by_peak = sorted(peaks, key=lambda key: (-peaks[key], key))
    by_cos = engine._nearest_first(cosines)
    order = list(dict.fromkeys(__import__('itertools').chain(*zip(by_peak, by_cos, strict=True))))
    print('truth', truth, 'position in order', order.index(truth) if truth in order else None, 'peak rank', by_peak.index(truth) if truth in by_peak else None, 'cos rank', by_cos.index(truth) if truth in by_cos else None)
    e = code.evidence(me._open(p)); print('own evidence', e)
    return orig(code, scored, peaks, cosines, hamming, pixels)
engine._recompressed = spy
r = engine.match(q, index, lambda ks: {k: fps[k] for k in ks}, photo=3, pixels=lambda k: me._open(reg[k]))
print([(x.key, x.is_match, x.alteration, x.score) for x in r])
