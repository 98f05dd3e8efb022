import pickle, sys, collections
import numpy as np
sys.path.insert(0, '/work/main')
from search import engine as E
src = open('/tmp/lab/fusez.py').read().split('base = run(0, 0)')[0]
src = src.replace("return c2 if z >= zmin else min(c2, E.CORRELATION_AT_THRESHOLD)", "return c2 if (z >= zmin or c >= CHIGH) else min(c2, E.CORRELATION_AT_THRESHOLD)")
CHIGH = 2.0
exec(src)
base = run(0, 0)
print('base %.4f %.4f %.4f' % base[:3])
for zmin in (2.0, 2.5, 3.0):
    for CHIGH in (0.82, 0.85, 0.9):
        m, fl, u, rec = run(zmin, zmin)
        m0 = run(zmin, zmin, 0); m1 = run(zmin, zmin, 1)
        print(f'z>={zmin} or c>={CHIGH}: {m:.4f} ({m - base[0]:+.4f}) flagged {fl:.4f} unrelated {u:.4f} | even {m0[0]:.4f} odd {m1[0]:.4f}', {a: round(rec[a] - base[3][a], 3) for a in rec if abs(rec[a] - base[3][a]) >= 0.005})
