"""Lab: the plain correlation counted only when its peak stands out of its own surface."""
import pickle, sys, collections
import numpy as np
sys.path.insert(0, '/work/main')
from search import engine as E
D = pickle.load(open('/tmp/lab/dump_z.pkl', 'rb'))
der = {'subtle-little_pluses.jpg', 'subtle-white_texture.png', 'subtle-perforated_white_leather.png', 'subtle-tweed.png', 'subtle-binding_dark.png', 'subtle-triangular.png'}
files = sorted({r[0] for r in D['rows']}); half = {f: i % 2 for i, f in enumerate(files)}
def cc(c, ru, z, zmin):
    c2 = c if (c > E.CORRELATION_SURE or c - ru >= E.CORRELATION_MARGIN) else min(c, E.CORRELATION_AT_THRESHOLD)
    return c2 if z >= zmin else min(c2, E.CORRELATION_AT_THRESHOLD)
def final(rows, zmin, zembed):
    out = []
    for (key, cnt, c, cru, ph, phru, cos, lead, score, gap, z) in rows:
        phc = ph if ph >= E.PHASE_RATIO * phru else 0.0
        s = max(E.score_from_evidence(cnt), E.score_from_correlation(cc(c, cru, z, zmin)), E.score_from_phase(phc))
        if lead and (cnt >= E.EMBED_PLACES or cc(c, cru, z, zembed) >= E.EMBED_CORRELATION or ph >= E.EMBED_PHASE or (gap >= E.EMBED_SURE_MARGIN and cos >= E.EMBED_SURE_COSINE)):
            s = max(s, E.EMBED_SCORE)
        out.append((s, key))
    out.sort(key=lambda x: -x[0])
    return out
def run(zmin, zembed, part=None):
    found = collections.Counter(); n = collections.Counter(); fl = nd = flu = nu = 0
    for f, a, t, rows in D['rows']:
        if part is not None and half[f] != part: continue
        res = final(rows, zmin, zembed)[:5]
        if t >= 0:
            n[a] += 1; found[a] += any(k == t and s > 0.5 for s, k in res)
        else:
            nd += 1; flag = any(s > 0.5 for s, k in res); fl += flag
            if f not in der: nu += 1; flu += flag
    rec = {a: found[a] / n[a] for a in n}
    return np.mean(list(rec.values())), fl / nd, flu / nu, rec
base = run(0, 0)
print('replay base %.4f flagged %.4f unrelated %.4f' % base[:3])
# the z of the plain correlations that decide a found query today
zs = []
for f, a, t, rows in D['rows']:
    if t < 0: continue
    for (key, cnt, c, cru, ph, phru, cos, lead, score, gap, z) in rows:
        if key == t and E.score_from_correlation(cc(c, cru, 99, 0)) > 0.5 and E.score_from_evidence(cnt) <= 0.5:
            zs.append(z)
print('z of correlation-only true matches:', len(zs), np.percentile(zs, [0, 1, 5, 10, 25, 50]).round(2) if zs else '')
zd = []
for f, a, t, rows in D['rows']:
    if t >= 0: continue
    for (key, cnt, c, cru, ph, phru, cos, lead, score, gap, z) in rows:
        if E.score_from_correlation(cc(c, cru, 99, 0)) > 0.5: zd.append((f, a, round(c, 3), round(z, 2)))
print('distractor correlation flags:', zd)
for zmin in (2.0, 2.5, 3.0, 3.5, 4.0, 5.0):
    for zembed in (0, zmin):
        m, fl, u, rec = run(zmin, zembed)
        print(f'zmin {zmin} (embed backing {zembed}): {m:.4f} ({m - base[0]:+.4f}) flagged {fl:.4f} unrelated {u:.4f}', {a: round(rec[a] - base[3][a], 3) for a in rec if abs(rec[a] - base[3][a]) >= 0.005})
