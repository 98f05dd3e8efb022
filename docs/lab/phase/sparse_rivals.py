import numpy as np
from common import names, alts, regn, der, Z, t, isreg, unrel
rng = np.random.default_rng(0)
arg = Z.argmax(axis=2); top1 = Z.max(axis=2)
# pessimistic shortlist: top candidate plus a random 20% of the others as rivals
keep = rng.random(Z.shape) < 0.2
Zs = np.where(keep, Z, 0); Zs[np.arange(Z.shape[0])[:, None], np.arange(Z.shape[1])[None], arg] = 0
top2s = Zs.max(axis=2)
correct = isreg[:, None] & (arg == t[:, None])
j = alts.index('jpeg_30')
for thr, k in [(10, 2), (12, 2.5), (14, 2), (14, 2.5), (16, 2), (16, 2.5), (18, 2)]:
    flag = (top1 > thr) & (top1 > k * top2s)
    print('thr %2g k %.1f: unrelated flagged %3d of %d  phase-found %.3f  jpeg30 %.3f' % (thr, k, flag[unrel].sum(), unrel.sum() * 22, (flag & correct)[isreg].mean(), (flag & correct)[isreg, j].mean()))
print('with median rule')
Zm = np.where(keep, Z, np.nan); Zm[np.arange(Z.shape[0])[:, None], np.arange(Z.shape[1])[None], arg] = np.nan
med = np.nanmedian(Zm, axis=2)
medall = np.median(np.sort(Z, axis=2)[..., :-1], axis=2)
print('median of medians unrel %.2f reg %.2f' % (np.median(med[unrel]), np.median(med[isreg])))
for thr, k, m in [(10, 2, 2.5), (10, 2, 3), (12, 2, 3), (12, 2.5, 3), (14, 2, 3), (10, 2.5, 3), (12, 2, 3.5)]:
    flag = (top1 > thr) & (top1 > k * top2s) & (top1 > m * med)
    flag_all = (top1 > thr) & (top1 > k * np.sort(Z, axis=2)[..., -2]) & (top1 > m * medall)
    print('thr %2g k %.1f m %.1f: unrelated flagged %3d (registry-wide %d)  phase-found %.3f  jpeg30 %.3f' % (thr, k, m, flag[unrel].sum(), flag_all[unrel].sum(), (flag & correct)[isreg].mean(), (flag & correct)[isreg, j].mean()))
