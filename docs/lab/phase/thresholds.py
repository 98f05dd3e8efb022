import json
import numpy as np
from common import names, alts, regn, der, Z, t, isreg, unrel
S = np.sort(Z, axis=2); top1, top2 = S[..., -1], S[..., -2]; arg = Z.argmax(axis=2)
correct = isreg[:, None] & (arg == t[:, None])
rows = [json.loads(l) for l in open('/tmp/lab/full.jsonl')]
found = np.zeros(Z.shape[:2], bool)
for r in rows: found[names.index(r['file']), alts.index(r['alteration'])] = r['found']
for thr in [10, 12, 14, 16, 18, 20, 25]:
    for k in [2, 2.5, 3]:
        flag = (top1 > thr) & (top1 > k * top2)
        print('thr %2g k %.1f: unrelated flagged %3d (%.3f%%)  phase-found %.3f  jpeg30 %.3f  mean-if-union %.3f' % (
            thr, k, flag[unrel].sum(), 100 * flag[unrel].mean(), (flag & correct)[isreg].mean(),
            (flag & correct)[isreg, alts.index('jpeg_30')].mean(), (found | (flag & correct))[isreg].mean(axis=0).mean()))
print()
for n in ['hero-architect.png', 'subtle-black_lozenge.png', 'hero-rain.png', 'subtle-tex2res4.jpg', 'subtle-whitediamond.png', 'gimp-bluemars.png']:
    i = names.index(n)
    print(n, [(a[:8], round(float(top1[i, j]), 1), round(float(top2[i, j]), 1), regn[arg[i, j]][:14]) for j, a in enumerate(alts)][:6])
