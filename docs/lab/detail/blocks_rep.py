"""Replay: originals (reg queries) and the best other design, per alteration, for block corners."""
import pickle, sys, numpy as np, json
R = pickle.load(open(sys.argv[1], "rb"))
reg = R["reg"]; idx = {n: i for i, n in enumerate(reg)}
rows = {}
if len(sys.argv) > 2:
    for l in open(sys.argv[2]):
        r = json.loads(l); rows[(r["file"], r["alteration"])] = r
def shipped(o):
    z, n, lz, ln = o[0], o[1], o[2], o[3]
    return ((z >= 14) & (n >= 0.3)) | ((z >= 8) & (n >= 0.6)) | ((z >= 14) & (lz >= 14) & (ln >= 0.4)) | ((lz >= 8) & (ln >= 0.65))
for alt in sorted({a for _n, a in R["res"]}):
    print("==", alt)
    for (name, a), o in sorted(R["res"].items()):
        if a != alt or name not in idx: continue
        t = idx[name]
        found = rows.get((name, alt), {}).get("found")
        if found: continue
        ok = shipped(o)
        others = np.delete(np.arange(o.shape[1]), t)
        bo = others[np.argmax(np.maximum(o[4, others], o[5, others]))]
        print(f"{name[:28]:28s} found={found} shp={bool(ok[t])} z {o[0,t]:5.1f} n {o[1,t]:.2f} lz {o[2,t]:5.1f} ln {o[3,t]:.2f} B {o[4,t]:.2f} BL {o[5,t]:.2f} nb {int(o[6,t])} | other {reg[bo][:18]} z {o[0,bo]:.1f} lz {o[2,bo]:.1f} B {o[4,bo]:.2f} BL {o[5,bo]:.2f}")
