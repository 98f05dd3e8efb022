import pickle, sys, collections
import numpy as np
sys.path.insert(0, '/work/main')
from search import engine as E
exec(open('/tmp/lab/fusez.py').read().split('base = run(0, 0)')[0])
t_low = []
for f, a, t, rows in D['rows']:
    if t < 0: continue
    res = final(rows, 0, 0)[:5]
    if not any(k == t and s > 0.5 for s, k in res): continue
    for (key, cnt, c, cru, ph, phru, cos, lead, score, gap, z) in rows:
        if key == t:
            other = max(E.score_from_evidence(cnt), E.score_from_phase(ph if ph >= E.PHASE_RATIO * phru else 0), E.EMBED_SCORE if (lead and (cnt >= E.EMBED_PLACES or ph >= E.EMBED_PHASE or (gap >= E.EMBED_SURE_MARGIN and cos >= E.EMBED_SURE_COSINE))) else 0)
            if other <= 0.5 and z < 3:
                t_low.append((round(c, 3), round(z, 2), round(c - cru, 3), a, f[:30]))
t_low.sort()
print(len(t_low)); [print(x) for x in t_low]
