import json, sys, numpy as np
d = np.load(sys.argv[1])
names, alts, Z, regn = list(d['names']), list(d['alts']), d['Z'], list(d['reg'])
T = float(sys.argv[2]) if len(sys.argv) > 2 else 10; R = float(sys.argv[3]) if len(sys.argv) > 3 else 2
try:
    der = set(json.load(open('/tmp/lab/derived.json')))
except Exception:
    der = set()
res = {}
for i, (n, a) in enumerate(zip(names, alts)):
    z = Z[i]
    r = res.setdefault(a, {"reg": [], "dis": []})
    if n in regn:
        t = regn.index(n); o = z[t]; other = np.delete(z, t).max()
        r["reg"].append((o, other, o >= T and o >= R * other))
    elif n not in der:
        m = z.max(); srt = np.sort(z)
        r["dis"].append((m, srt[-2], m >= T and m >= R * srt[-2]))
for a, r in res.items():
    reg = np.array(r["reg"]); dis = np.array(r["dis"]) if r["dis"] else np.zeros((0, 3))
    print(f"{a:18s} n={len(reg):3d} orig z med {np.median(reg[:,0]):6.1f}  other med {np.median(reg[:,1]):5.1f}  found {reg[:,2].mean():.3f}  | dis n={len(dis)} max med {np.median(dis[:,0]) if len(dis) else 0:5.1f} p99 {np.percentile(dis[:,0],99) if len(dis) else 0:5.1f} flagged {dis[:,2].sum() if len(dis) else 0:.0f}")
