import pickle, sys, numpy as np, collections
out = pickle.load(open(sys.argv[1], 'rb'))
def spreads(v):
    v = np.asarray(v, float); s = v.std()
    return (v - v.mean()) / (s if s > 0 else 1.0)
def choose(rec, rule, n, P):
    pool = rec['pool'][:P]
    sp = np.array([rec['spectral'][k] for k in pool]); cs = np.array([rec['cos'][k] for k in pool])
    c0 = np.array([rec['coarse'][k][0] for k in pool]); c1 = np.array([rec['coarse'][k][1] for k in pool])
    if rule == 'old': r = spreads(sp) + spreads(cs)
    elif rule == 'c1': r = c1
    elif rule == 'c0': r = c0
    elif rule == 'c1+old': r = spreads(sp) + spreads(cs) + spreads(c1)
    elif rule == 'c1x2+old': r = spreads(sp) + spreads(cs) + 2 * spreads(c1)
    elif rule == 'c1+cos': r = spreads(cs) + spreads(c1)
    order = [pool[i] for i in np.argsort(-r, kind='stable')]
    return order[:n]
def evaluate(rule, n, P, ratio=2.0, null=5.0):
    found = flagged = missing = 0; files = collections.Counter(); fl = []
    for name, alt, truth, rec in out:
        if not rec: continue
        ch = choose(rec, rule, n, P)
        al = rec['aligned']
        if any(k not in al for k in ch): missing += 1
        ch = [k for k in ch if k in al]
        passes = []
        for k in ch:
            riv = max([al[j]['z'] for j in ch if j != k] + [null])
            if al[k]['value'] > 0.3 and al[k]['z'] >= ratio * riv: passes.append(k)
        if truth >= 0 and truth in passes: found += 1
        if truth < 0 and passes: flagged += 1; fl.append((name, alt))
    return found, flagged, missing, fl
for P in (20, 30, 40):
    for rule in ('old', 'c0', 'c1', 'c1+old', 'c1x2+old', 'c1+cos'):
        for n in (3, 5):
            f, fl, m, who = evaluate(rule, n, P)
            print(f"P{P} {rule:9s} n{n}: found {f} flagged {fl} missing {m}")
if len(sys.argv) > 2:
    for spec in sys.argv[2:]:
        rule, n, P = spec.split(':')
        f, fl, m, who = evaluate(rule, int(n), int(P))
        print(spec, f, fl, m, who)
