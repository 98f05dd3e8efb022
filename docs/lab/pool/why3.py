import pickle, sys, numpy as np, collections
exec(open('replay3.py').read().split('def evaluate')[0])
c = collections.Counter()
for name, alt, truth, rec in out:
    if truth < 0: continue
    if not rec: c['no stage'] += 1; continue
    if not rec['fetched']: c['not fetched'] += 1; continue
    nr = rec['near_rank'].get(truth)
    if truth not in rec['pool']: c['fetched, cos rank %s' % ('40-75' if nr is not None else '?')] += 1; continue
    ch = choose(rec, 'c1+old', 40, 40)
    r = ch.index(truth)
    c['pool40 c1+old rank ' + ('<3' if r < 3 else '<5' if r < 5 else '<10' if r < 10 else '>=10')] += 1
    al = rec['aligned'].get(truth)
    if al is not None and r < 5:
        c['  (r<5) value>0.3' if al['value'] > 0.3 else '  (r<5) no pass'] += 1
for k in sorted(c): print(k, c[k])
