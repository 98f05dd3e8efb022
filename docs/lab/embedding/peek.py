import sys, pickle
import numpy as np
sys.path.insert(0, "/tmp/lab")
from common import reg, dis, suite
d = pickle.load(open(sys.argv[1], "rb")); rows, regn = d["rows"], d["regn"]
names = {n: i for i, n in enumerate(regn)}
for a in sys.argv[2:]:
    T = []
    for p in reg:
        r = [x for x in rows[(p.name, a)] if x[0] == names[p.name]]
        T.append(r[0] if r else None)
    miss = sum(t is None for t in T)
    T = [t for t in T if t]
    arr = np.array([t[1:8] for t in T], float)
    print(a, "not in shortlist", miss, "n", len(T))
    print("  count>=5", np.mean(arr[:, 0] >= 5), "count>=3", np.mean(arr[:, 0] >= 3), "erank0", np.mean(arr[:, 6] == 0), "erank<5", np.mean(arr[:, 6] < 5))
    print("  corr quantiles", np.quantile(arr[:, 1], [.1, .25, .5, .75, .9]).round(2), "runner", np.quantile(arr[:, 2], [.25, .5, .75]).round(2))
    print("  emargin (erank0)", np.quantile(arr[arr[:, 6] == 0, 5], [.1, .25, .5, .75]).round(3), "esim", np.quantile(arr[:, 4], [.1, .5, .9]).round(3))
# distractors: best other emargin dist for erank0
em = [max([x[6] for x in rows[(p.name, a)] if x[7] == 0] + [-1]) for p in dis for a in suite.ALTERATIONS]
print("distractor emargin of top1 quantiles", np.quantile(em, [.5, .9, .95, .99]).round(3))
