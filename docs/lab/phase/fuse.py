"""Lab: which extra rule for the embedding's leader (or others) finds more without flagging unrelated."""
import json, pickle, sys, itertools, collections
import numpy as np
sys.path.insert(0, '/work/main')
from search import engine as E
D = pickle.load(open('/tmp/lab/dump.pkl', 'rb'))
der = set(json.load(open('/tmp/lab/full2.json'))['methods']['engine']['derived_distractors'])
files = sorted({r[0] for r in D['rows']}); half = {f: i % 2 for i, f in enumerate(files)}
alts = list(dict.fromkeys(r[1] for r in sorted(D['rows'], key=lambda r: r[1])))
def corr_counted(c, ru):
    return c if (c > E.CORRELATION_SURE or c - ru >= E.CORRELATION_MARGIN) else min(c, E.CORRELATION_AT_THRESHOLD)
def final(rows, extra):
    out = []
    for (key, cnt, c, cru, ph, phru, cos, lead, score, *_gap) in rows:
        s = score
        if lead and (cnt >= E.EMBED_PLACES or corr_counted(c, cru) >= E.EMBED_CORRELATION):
            s = max(s, E.EMBED_SCORE)
        if extra and extra(cnt, c, cru, ph, phru, cos, lead):
            s = max(s, E.EMBED_SCORE)
        out.append((s, key))
    out.sort(key=lambda x: -x[0])
    return out
def run(extra, part=None):
    found = collections.Counter(); n = collections.Counter(); fl = 0; fl_un = 0; nd = 0; nu = 0
    for f, a, t, rows in D['rows']:
        if part is not None and half[f] != part: continue
        res = final(rows, extra)[:5]
        if t >= 0:
            n[a] += 1; found[a] += any(k == t and s > 0.5 for s, k in res)
        else:
            nd += 1; flag = any(s > 0.5 for s, k in res); fl += flag
            if f not in der: nu += 1; fl_un += flag
    rec = {a: found[a] / n[a] for a in n}
    return np.mean(list(rec.values())), fl / nd, fl_un / nu, rec
base = run(None)
print('base %.4f flagged %.4f unrelated %.4f' % base[:3])
rules = {}
for P in [6, 7, 8, 10]:
    rules['lead&phase>=%g' % P] = (lambda P: lambda cnt, c, cru, ph, phru, cos, lead: lead and ph >= P)(P)
for P, k in [(8, 1.5), (10, 1.5), (10, 2.0), (12, 2.0)]:
    rules['lead&phase>=%g&%gx' % (P, k)] = (lambda P, k: lambda cnt, c, cru, ph, phru, cos, lead: lead and ph >= P and ph >= k * phru)(P, k)
rules['lead&cnt>=2'] = lambda cnt, c, cru, ph, phru, cos, lead: lead and cnt >= 2
rules['lead&corr>=0.5'] = lambda cnt, c, cru, ph, phru, cos, lead: lead and corr_counted(c, cru) >= 0.5
for C in [0.9, 0.95]:
    rules['cos>=%g&cnt>=4' % C] = (lambda C: lambda cnt, c, cru, ph, phru, cos, lead: cos >= C and cnt >= 4)(C)
    rules['cos>=%g&cnt>=3' % C] = (lambda C: lambda cnt, c, cru, ph, phru, cos, lead: cos >= C and cnt >= 3)(C)
for name, r in rules.items():
    m, f, u, rec = run(r)
    m0, f0, u0, _ = run(r, 0); m1, f1, u1, _ = run(r, 1)
    print('%-24s all %.4f (%+.4f) fl %.4f un %.4f | even %.4f un %.4f | odd %.4f un %.4f' % (name, m, m - base[0], f, u, m0, u0, m1, u1))
print()
combo = {
 'lead&(phase>=6|cnt>=2)': lambda cnt, c, cru, ph, phru, cos, lead: lead and (ph >= 6 or cnt >= 2),
 'lead&phase>=6': rules['lead&phase>=6'],
 'lead&phase>=8': rules['lead&phase>=8'],
 'lead&cnt>=2': rules['lead&cnt>=2'],
}
def flags(extra):
    out = set()
    for f, a, t, rows in D['rows']:
        if t < 0 and any(s > 0.5 for s, k in final(rows, extra)[:5]): out.add((f, a))
    return out
b = flags(None)
for name, r in combo.items():
    m, f, u, rec = run(r); m0, f0, u0, _ = run(r, 0); m1, f1, u1, _ = run(r, 1)
    print('%-24s all %.4f (%+.4f) fl %.4f un %.4f | even %.4f un %.4f | odd %.4f un %.4f' % (name, m, m - base[0], f, u, m0, u0, m1, u1))
    print('   ', {a: '%.3f%+.3f' % (rec[a], rec[a] - base[3][a]) for a in rec if rec[a] != base[3][a]})
    print('    new flags', sorted(flags(r) - b))
print('base even %.4f un %.4f | odd %.4f un %.4f' % (run(None, 0)[0], run(None, 0)[2], run(None, 1)[0], run(None, 1)[2]))
for P in [5, 6, 7]:
    for C in [2]:
        r = (lambda P, C: lambda cnt, c, cru, ph, phru, cos, lead: lead and (ph >= P or cnt >= C))(P, C)
        m, f, u, rec = run(r); m0, f0, u0, _ = run(r, 0); m1, f1, u1, _ = run(r, 1)
        print('lead&(phase>=%g|cnt>=%d) all %.4f fl %.4f un %.4f | even %.4f fl %.4f un %.4f | odd %.4f fl %.4f un %.4f | below .85: %s' % (P, C, m, f, u, m0, f0, u0, m1, f1, u1, {a: round(v, 3) for a, v in rec.items() if v < 0.85}))
