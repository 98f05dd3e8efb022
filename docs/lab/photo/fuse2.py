"""Lab: the embedding's leader by a larger margin, alone or with weak backings."""
import pickle, sys, collections
import numpy as np
sys.path.insert(0, '/work/main')
from search import engine as E
D = pickle.load(open('/tmp/lab/dump.pkl', 'rb'))
der = {'subtle-little_pluses.jpg', 'subtle-white_texture.png', 'subtle-perforated_white_leather.png', 'subtle-tweed.png', 'subtle-binding_dark.png', 'subtle-triangular.png'}
files = sorted({r[0] for r in D['rows']}); half = {f: i % 2 for i, f in enumerate(files)}
def cc(c, ru):
    return c if (c > E.CORRELATION_SURE or c - ru >= E.CORRELATION_MARGIN) else min(c, E.CORRELATION_AT_THRESHOLD)
def final(rows, extra):
    out = []
    for (key, cnt, c, cru, ph, phru, cos, lead, score, gap, *_z) in rows:
        s = score
        if lead and (cnt >= E.EMBED_PLACES or cc(c, cru) >= E.EMBED_CORRELATION or ph >= E.EMBED_PHASE):
            s = max(s, E.EMBED_SCORE)
        if extra and extra(cnt, cc(c, cru), ph, phru, cos, lead, gap):
            s = max(s, E.EMBED_SCORE)
        out.append((s, key))
    out.sort(key=lambda x: -x[0])
    return out
def run(extra, part=None):
    found = collections.Counter(); n = collections.Counter(); fl = nd = flu = nu = 0; newun = []
    for f, a, t, rows in D['rows']:
        if part is not None and half[f] != part: continue
        res = final(rows, extra)[:5]
        if t >= 0:
            n[a] += 1; found[a] += any(k == t and s > 0.5 for s, k in res)
        else:
            nd += 1; flag = any(s > 0.5 for s, k in res); fl += flag
            if f.split('/')[-1] not in der:
                nu += 1; flu += flag
                if flag: newun.append((f, a))
    rec = {a: found[a] / n[a] for a in n}
    return np.mean(list(rec.values())), fl / nd, flu / nu, rec, newun
base = run(None)
print('base %.4f flagged %.4f unrelated %.4f' % base[:3], len(base[4]))
B = set(base[4])
rules = {}
for M in [0.15, 0.2, 0.25, 0.3]:
    rules[f'gap>={M}'] = (lambda M: lambda cnt, c, ph, phru, cos, lead, gap: gap >= M)(M)
    rules[f'gap>={M}&cos>=.8'] = (lambda M: lambda cnt, c, ph, phru, cos, lead, gap: gap >= M and cos >= 0.8)(M)
    rules[f'gap>={M}&(ph>=5|cnt>=1|c>=.5)'] = (lambda M: lambda cnt, c, ph, phru, cos, lead, gap: gap >= M and (ph >= 5 or cnt >= 1 or c >= 0.5))(M)
for M in [0.12, 0.15, 0.2]:
    rules[f'gap>={M}&ph>=1.5phru'] = (lambda M: lambda cnt, c, ph, phru, cos, lead, gap: gap >= M and ph >= 1.5 * phru)(M)
for name, r in rules.items():
    m, f, u, rec, nu_ = run(r)
    m0, _, u0, _, _ = run(r, 0); m1, _, u1, _, _ = run(r, 1)
    print('%-28s all %.4f (%+.4f) fl %.4f un %.4f (+%d) | even %.4f un %.4f | odd %.4f un %.4f | %s' % (name, m, m - base[0], f, u, len(set(nu_) - B), m0, u0, m1, u1,
          {a: round(rec[a] - base[3][a], 3) for a in rec if rec[a] - base[3][a] >= 0.01}))
