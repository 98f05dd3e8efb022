import pickle, sys, json, collections, numpy as np
out = pickle.load(open(sys.argv[1], 'rb'))
n = int(sys.argv[2]) if len(sys.argv) > 2 else 5
c = collections.Counter(); ratios = []; zs_unrel = []; zs_true_fail = []
for name, alt, truth, rec in out:
    if not rec:
        c['no stage'] += 1 if truth >= 0 else 0; continue
    al = rec['aligned']; ch = rec['chosen'][:n]
    if truth < 0:
        zs_unrel += [al[k]['z'] for k in ch]; continue
    if truth not in rec['order']:
        c['not in pool' if rec['fetched'] else 'not fetched'] += 1; continue
    if truth not in ch:
        c['pool rank > n'] += 1; continue
    a = al[truth]
    riv = max([al[k]['z'] for k in ch if k != truth] + [5.0])
    if a['value'] <= 0.3:
        c['aligned, no pass'] += 1; zs_true_fail.append(a['z']); continue
    ratios.append(a['z'] / riv)
    c['pass, ratio>=2.5' if a['z'] >= 2.5 * riv else 'pass, ratio<2.5'] += 1
print(c)
r = np.array(ratios); print("ratio of passing truths: <1.5 %d, 1.5-2 %d, 2-2.5 %d, >=2.5 %d" % ((r<1.5).sum(), ((r>=1.5)&(r<2)).sum(), ((r>=2)&(r<2.5)).sum(), (r>=2.5).sum()))
zu = np.array(zs_unrel); print("unrelated-photo aligned z: median %.1f p90 %.1f p99 %.1f max %.1f n %d" % (np.median(zu), np.percentile(zu, 90), np.percentile(zu, 99), zu.max(), len(zu)))
zt = np.array(zs_true_fail); print("truth aligned no pass z: median %.1f  hist" % np.median(zt), np.histogram(zt, [0,4,6,8,10,14,100])[0])
