"""Replay: engine rows (eval_match --rows) + the detail witness of detail.py.
A registered query counts found if the engine found it, or the original's detail
passes (z >= Z, ncc >= N) and it is in the engine's shortlist (in_shortlist).
A distractor query counts flagged if the engine flagged it or any registered
design's detail passes (all 213: pessimistic, the engine sees only its 45)."""
import json, sys, numpy as np
rows = [json.loads(l) for l in open(sys.argv[1])]
d = np.load(sys.argv[2])
full = json.load(open(sys.argv[3]))
der = set(full['methods']['engine']['derived_distractors'])
names, alts, Z, N, regn = list(d['names']), list(d['alts']), d['Z'], d['N'], list(d['reg'])
at = {(n, a): i for i, (n, a) in enumerate(zip(names, alts))}
Zs = [float(x) for x in sys.argv[4].split(',')]; Ns = [float(x) for x in sys.argv[5].split(',')]
half = sys.argv[6] if len(sys.argv) > 6 else 'all'
files = sorted({r['file'] for r in rows})
keep = {f for i, f in enumerate(files) if half == 'all' or (i % 2 == (0 if half == 'even' else 1))}
for z0 in Zs:
    for n0 in Ns:
        per = {}; fl = [0, 0]; flu = [0, 0]; new = 0; lost = 0
        for r in rows:
            if r['file'] not in keep: continue
            i = at.get((r['file'], r['alteration']))
            ok = (Z[i] >= z0) & (N[i] >= n0) if i is not None else np.zeros(len(regn), bool)
            if r['truth'] >= 0:
                t = regn.index(r['file'])
                f = r['found'] or (bool(ok[t]) and r['in_shortlist'])
                new += f and not r['found']
                per.setdefault(r['alteration'], []).append(f)
            else:
                f = r['flagged'] or bool(ok.any())
                fl[0] += f; fl[1] += 1
                if r['file'] not in der:
                    flu[0] += f; flu[1] += 1
        rec = {a: np.mean(v) for a, v in per.items()}
        weak = sorted((round(v, 3), a) for a, v in rec.items() if v < 0.85)
        print(f"Z {z0:5.1f} N {n0:4.2f}  mean {np.mean(list(rec.values())):.4f} new {new}  flagged {fl[0]}/{fl[1]} {100*fl[0]/fl[1]:.2f}%  unrelated {flu[0]}/{flu[1]} {100*flu[0]/flu[1]:.2f}%  weak {weak}")
