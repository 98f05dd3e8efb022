import sys, pickle
import numpy as np
sys.path.insert(0, "/tmp/lab")
from common import reg, dis, suite
d = pickle.load(open(sys.argv[1], "rb")); rows, regn = d["rows"], d["regn"]
names = {n: i for i, n in enumerate(regn)}
alts = list(suite.ALTERATIONS)
DER = ['little_pluses', 'white_texture', 'perforated_white_leather', 'tweed', 'binding_dark', 'triangular']
unrel = [p for p in dis if not any(k in p.name for k in DER)]
# row: k, count, corr, runner, score, esim, emargin, erank, in_engine
def evaluate(rule, label, only_engine=False):
    per = {}
    for a in alts:
        hit = []
        for p in reg:
            rs = rows[(p.name, a)]
            if only_engine: rs = [r for r in rs if r[8]]
            sc = sorted(((rule(r), r[0]) for r in rs), reverse=True)[:5]
            i = names[p.name]
            hit.append(any(k == i and s > 0.5 for s, k in sc))
        per[a] = np.mean(hit)
    fl_all = np.mean([any(rule(r) > 0.5 for r in rows[(p.name, a)] if (r[8] or not only_engine)) for p in dis for a in alts])
    fl_un = np.mean([any(rule(r) > 0.5 for r in rows[(p.name, a)] if (r[8] or not only_engine)) for p in unrel for a in alts])
    low = sum(v < 0.85 for v in per.values())
    print(f"{label:40s} mean={np.mean(list(per.values())):.3f} flagged all={fl_all*100:.2f}% unrel={fl_un*100:.2f}% <0.85:{low}", " ".join(f"{a[:8]}:{v:.2f}" for a, v in per.items()), flush=True)
    return per
base = lambda r: r[4]
evaluate(base, "engine (30 only)", only_engine=True)
evaluate(base, "engine rule, shortlist + emb15")

def ev_sub(rule, regs, diss):
    per = {}
    for a in alts:
        hit = []
        for p in regs:
            rs = rows[(p.name, a)]
            sc = sorted(((rule(r), r[0]) for r in rs), reverse=True)[:5]
            hit.append(any(k == names[p.name] and s > 0.5 for s, k in sc))
        per[a] = np.mean(hit)
    fl = np.mean([any(rule(r) > 0.5 for r in rows[(p.name, a)]) for p in diss for a in alts])
    fu = np.mean([any(rule(r) > 0.5 for r in rows[(p.name, a)]) for p in diss if p in unrel for a in alts])
    return np.mean(list(per.values())), fl, fu, per

def ev(e, c):
    return max(e / (e + 4.5), 0 if c < 0.3 else (0.5 * (c - 0.3) / 0.5 if c < 0.8 else 0.5 + 0.5 * (c - 0.8) / 0.2))

def make(m, t, kp, cc):
    def rule(r):
        k, count, corr, runner, score, esim, emar, erank, _ = r
        if erank == 0 and emar >= m and esim >= t:
            cnt = corr if (corr > 0.95 or corr - runner >= 0.1) else min(corr, 0.8)
            # embedding agrees: relax keypoint places to kp and correlation to cc
            if count >= kp or cnt >= cc:
                return max(score, 0.51)
        return score
    return rule
if sys.argv[2:] == ["show"]:
    # per alteration, for the rows of docs/benchmarks.md
    for args in [(0.1, 0, 3, 0.6), (0.1, 0, 3, 2), (0.0, 0, 99, 0.6), (0.05, 0, 99, 0.5)]:
        evaluate(make(*args), str(args))
else:
    A = reg[0::2], dis[0::2]
    B = reg[1::2], dis[1::2]
    print("base A", ev_sub(base, *A)[:3], "B", ev_sub(base, *B)[:3])
    res = []
    for m in (0.0, 0.02, 0.05, 0.1):
        for t in (0.0, 0.8, 0.9):
            for kp in (2, 3, 4, 99):
                for cc in (0.5, 0.6, 0.7, 0.8, 2):
                    r = make(m, t, kp, cc)
                    ma, fa, ua, _ = ev_sub(r, *A)
                    res.append((ma, fa, ua, m, t, kp, cc))
    res.sort(reverse=True)
    for row in [x for x in res if x[2] <= 0.006][:12]:
        ma, fa, ua, m, t, kp, cc = row
        mb, fb, ub, _ = ev_sub(make(m, t, kp, cc), *B)
        print(f"m={m} t={t} kp={kp} cc={cc}: A mean {ma:.3f} fl {fa*100:.2f}% un {ua*100:.2f}% | B mean {mb:.3f} fl {fb*100:.2f}% un {ub*100:.2f}%")
