import json, sys, numpy as np
res = json.load(open(sys.argv[1]))
KS = (5, 10, 20, 40, 100)
def spreads(v): v = np.asarray(v, float); return (v - v.mean()) / (v.std() + 1e-9)
R = [r for r in res if r[1] >= 0]
print("registered", len(R), "fetched", sum(r[2] for r in R), "in pool", sum(any(o[0] == r[1] for o in r[3]) for r in R))
def rank_of(r, score):
    keys = [o[0] for o in r[3]]
    if r[1] not in keys: return 99
    s = np.asarray(score); order = list(np.argsort(-s, kind="stable"))
    return order.index(keys.index(r[1]))
rankings = {
  "cos": lambda O: [o[1] for o in O],
  "spec": lambda O: [o[2] for o in O],
  "spec+cos (shipped)": lambda O: spreads([o[2] for o in O]) + spreads([o[1] for o in O]),
}
for j, k in enumerate(KS):
    rankings[f"half{k}"] = (lambda j: lambda O: [o[3 + j] for o in O])(j)
    rankings[f"half{k}+spec+cos"] = (lambda j: lambda O: spreads([o[3 + j] for o in O]) + spreads([o[2] for o in O]) + spreads([o[1] for o in O]))(j)
    rankings[f"half{k}+cos"] = (lambda j: lambda O: spreads([o[3 + j] for o in O]) + spreads([o[1] for o in O]))(j)
for name, f in rankings.items():
    ranks = [rank_of(r, f(r[3])) for r in R]
    print(f"{name:22s} top1 {np.mean([x < 1 for x in ranks]):.3f} top3 {np.mean([x < 3 for x in ranks]):.3f} top4 {np.mean([x < 4 for x in ranks]):.3f} top6 {np.mean([x < 6 for x in ranks]):.3f}")
print("time per query median", np.median([r[4] for r in res]))
