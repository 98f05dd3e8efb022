"""Replay detail corners: originals newly passing (jpeg alts, engine misses) and distractor pairs newly passing."""
import numpy as np, json, sys
from collections import defaultdict
J = np.load('/tmp/lab/d_jpeg.npz'); D = np.load('/tmp/lab/d_dis.npz')
reg = list(J['reg'])
rows = {}
for l in open('/tmp/lab/rows4.jsonl'):
    r = json.loads(l); rows[(r['file'], r['alteration'])] = r
def shipped(z, n, zl, nl):
    return ((z >= 14) & (n >= 0.3)) | ((z >= 8) & (n >= 0.6)) | ((z >= 14) & (zl >= 14) & (nl >= 0.4))
def rule(z, n, zl, nl, c):
    ok = shipped(z, n, zl, nl)
    for kind, zz, nn in c:
        if kind == 'p': ok |= (z >= zz) & (n >= nn)
        elif kind == 'l': ok |= (zl >= zz) & (nl >= nn)
        elif kind == 'pl': ok |= (z >= zz) & (zl >= zz) & (nl >= nn)
    return ok
def parse(s):
    out = []
    for part in s.split(';'):
        if part:
            k, zz, nn = part.split(','); out.append((k, float(zz), float(nn)))
    return out
C = parse(sys.argv[1])
# derived pairs: distractor, registered pairs passing the shipped rule on the 'original' alteration
Zd, Nd, ZLd, NLd = D['Z'], D['N'], D['ZLP'][:, 0], D['NLP'][:, 0]
dn, da = D['names'], D['alts']
base = shipped(Zd, Nd, ZLd, NLd); new = rule(Zd, Nd, ZLd, NLd, C)
derived = set()
for i in np.where(da == 'original')[0]:
    if base[i].any(): derived.add(dn[i])
newq = defaultdict(list)
for i in range(len(dn)):
    add = np.where(new[i] & ~base[i])[0]
    if len(add) and not base[i].any():
        newq[dn[i]].append((da[i], [(reg[t], round(float(Zd[i, t]), 1), round(float(Nd[i, t]), 2), round(float(ZLd[i, t]), 1), round(float(NLd[i, t]), 2)) for t in add]))
print('distractor queries newly passing:', sum(len(v) for v in newq.values()), ' derived (pass on original):', sorted(derived))
for k, v in newq.items():
    for a, l in v: print('   ', k, a, l[:2])
for alt in ('jpeg_30', 'crop_70+jpeg_30'):
    gain = []
    for i in np.where(J['alts'] == alt)[0]:
        n = J['names'][i]
        if n not in reg: continue
        r = rows[(n, alt)]
        if r['found']: continue
        t = reg.index(n)
        z, nn, zl, nl = J['Z'][i, t], J['N'][i, t], J['ZLP'][i, 0, t], J['NLP'][i, 0, t]
        if rule(z, nn, zl, nl, C) and not shipped(z, nn, zl, nl):
            gain.append((n, 'sl' if r['in_shortlist'] else '--'))
    print(alt, 'new originals:', len(gain), 'shortlisted:', sum(g[1] == 'sl' for g in gain), [g[0][7:20] for g in gain if g[1] == 'sl'])
