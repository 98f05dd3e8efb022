import pickle, sys, numpy as np, json
D = pickle.load(open("/tmp/lab/blocks_dis.pkl", "rb")); Rg = pickle.load(open("/tmp/lab/blocks.pkl", "rb"))
reg = D["reg"]; idx = {n: i for i, n in enumerate(reg)}
DER = {"subtle-binding_dark.png","subtle-darkdenim3.png","subtle-little_pluses.png","subtle-perforated_white_leather.png","subtle-triangular.png","subtle-tweed.png","subtle-white_texture.png"}
rows = {}
for f in ("/tmp/j30.jsonl",):
    for l in open(f):
        r = json.loads(l); rows[(r["file"], r["alteration"])] = r
rows75 = {}
for l in open("/tmp/j30_75.jsonl"):
    r = json.loads(l); rows75[(r["file"], r["alteration"])] = r
def shipped(o):
    z, n, lz, ln = o[0], o[1], o[2], o[3]
    return ((z >= 14) & (n >= 0.3)) | ((z >= 8) & (n >= 0.6)) | ((z >= 14) & (lz >= 14) & (ln >= 0.4)) | ((lz >= 8) & (ln >= 0.65))
RULES = {
 "p14.45": lambda o: (o[0] >= 14) & (o[4] >= 0.45),
 "p14.40": lambda o: (o[0] >= 14) & (o[4] >= 0.40),
 "pl14.45": lambda o: (o[0] >= 14) & (o[2] >= 14) & (np.maximum(o[4], o[5]) >= 0.45),
 "pl14.40": lambda o: (o[0] >= 14) & (o[2] >= 14) & (np.maximum(o[4], o[5]) >= 0.40),
 "l14.45": lambda o: (o[2] >= 14) & (o[5] >= 0.45),
 "p8.55": lambda o: (o[0] >= 8) & (o[4] >= 0.55),
 "p8.6": lambda o: (o[0] >= 8) & (o[4] >= 0.6),
 "p10.5": lambda o: (o[0] >= 10) & (o[4] >= 0.5),
 "l8.6": lambda o: (o[2] >= 8) & (o[5] >= 0.6),
 "pN8.5": lambda o: (o[0] >= 8) & (o[4] >= 0.5) & (o[1] >= 0.5),
}
for name, rule in RULES.items():
    gains = []
    for (f, alt), o in Rg["res"].items():
        r = rows.get((f, alt))
        if r is None or r["found"]: continue
        t = idx[f]
        if rule(o)[t] and not shipped(o)[t]:
            gains.append(f"{alt[:4]}:{f[6:20]}{'' if rows75[(f, alt)]['in_shortlist'] else '(nsl)'}")
    flags = []
    for (f, alt), o in D["res"].items():
        if f in DER: continue
        p = rule(o) & ~shipped(o)
        if p.any():
            flags.append(f"{f[:14]}/{alt}->{reg[int(np.argmax(np.where(p, o[4] + o[5], -9)))][:14]}")
    print(f"{name:8s} gains {len(gains)}: {' '.join(gains)}\n         new unrelated passing {len(flags)}: {' '.join(flags[:8])}")
