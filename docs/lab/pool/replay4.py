import pickle, sys, numpy as np, collections
exec('def spreads' + open('replay3.py').read().split('def evaluate')[0].split('def spreads')[1])
out = pickle.load(open(sys.argv[1], 'rb'))
DERIVED = {'subtle-little_pluses.jpg', 'subtle-white_texture.png', 'subtle-perforated_white_leather.png', 'subtle-tweed.png', 'subtle-binding_dark.png', 'subtle-triangular.png'}
def evaluate(rule, n, P, ratio=2.0, null=5.0, mode='std'):
    found = flagged = unrel = missing = 0; fl = []
    for name, alt, truth, rec in out:
        if not rec: continue
        ch = choose(rec, rule, n, P)
        al = rec['aligned']
        if any(k not in al for k in ch): missing += 1
        ch = [k for k in ch if k in al]
        passes = []
        for k in ch:
            if mode == 'std':
                riv = max([al[j]['z'] for j in ch if j != k] + [null])
            elif mode == 'nonpass':  # rivals that pass the value themselves are siblings, not rivals
                riv = max([al[j]['z'] for j in ch if j != k and al[j]['value'] <= 0.3] + [null])
            if al[k]['value'] > 0.3 and al[k]['z'] >= ratio * riv: passes.append(k)
        if truth >= 0 and truth in passes: found += 1
        if truth < 0 and passes:
            flagged += 1
            if name not in DERIVED: unrel += 1; fl.append((name, alt))
    return found, flagged, unrel, missing, fl
for spec in sys.argv[2:]:
    parts = spec.split(':'); rule, n, P = parts[:3]
    ratio = float(parts[3]) if len(parts) > 3 else 2.0
    mode = parts[4] if len(parts) > 4 else 'std'
    f, fl, un, m, who = evaluate(rule, int(n), int(P), ratio, mode=mode)
    print(f"{spec:22s} found {f} flagged {fl} unrelated {un} missing {m}", who)
