import json, sys, numpy as np
res = json.load(open(sys.argv[1]))
rows = {(r["file"], r["alteration"]): r for r in map(json.loads, open("/tmp/lab/mp_photo3.jsonl"))}
alt = sys.argv[2] if len(sys.argv) > 2 else "market_photo"
regr = [r for r in res if r[1] >= 0]; disr = [r for r in res if r[1] < 0]
def ranks(score):
    out = []
    for name, i, spec, emb in regr:
        s = score(np.array(spec), np.array(emb)); out.append(int((s > s[i]).sum()))
    return np.array(out)
def zs(x): return (x - x.mean()) / (x.std() + 1e-9)
for label, f in [("spectral", lambda s, e: s), ("embedding", lambda s, e: e), ("z-sum", lambda s, e: zs(s) + zs(e)), ("z-sum spec x2", lambda s, e: 2 * zs(s) + zs(e))]:
    r = ranks(f)
    missed = np.array([not rows[(n, alt)]["found"] for n, *_ in regr])
    print(f"{label:14} original rank<1 {np.mean(r<1):.3f} <3 {np.mean(r<3):.3f} <5 {np.mean(r<5):.3f} <10 {np.mean(r<10):.3f}; among photo=3 misses (n={missed.sum()}) <3 {np.mean(r[missed]<3):.3f} <10 {np.mean(r[missed]<10):.3f}")
print("-- pool = embedding's top P, then z-sum within the pool")
for P in (10, 15, 20, 30):
    for w in (1, 2):
        r = []
        for name, i, spec, emb in regr:
            spec, emb = np.array(spec), np.array(emb)
            pool = np.argsort(-emb)[:P]
            if i not in pool: r.append(999); continue
            s = w * zs(spec[pool]) + zs(emb[pool]); r.append(int((s > s[list(pool).index(i)]).sum()))
        r = np.array(r)
        missed = np.array([not rows[(n, alt)]["found"] for n, *_ in regr])
        print(f"P={P} w={w}: rank<1 {np.mean(r<1):.3f} <3 {np.mean(r<3):.3f} <5 {np.mean(r<5):.3f}; misses <3 {np.mean(r[missed]<3):.3f}")
