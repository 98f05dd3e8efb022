"""detail_fuse with a union of (z, correlation) corners: a pair passes when any corner does."""
import json, sys, numpy as np
rows = [json.loads(l) for l in open('/tmp/lab/rows_main.jsonl')]
import os
d = np.load(os.environ.get('NPZ', '/tmp/lab/detail_256_all.npz'))
der = set(json.load(open('/tmp/lab/full_main.json'))['methods']['engine']['derived_distractors'])
names, alts, Z, N, regn = list(d['names']), list(d['alts']), d['Z'], d['N'], list(d['reg'])
at = {(n, a): i for i, (n, a) in enumerate(zip(names, alts))}
files = sorted({r['file'] for r in rows})
def run(corners, half='all'):
    keep = {f for i, f in enumerate(files) if half == 'all' or i % 2 == (0 if half == 'even' else 1)}
    per = {}; fl = [0, 0]; flu = [0, 0]
    for r in rows:
        if r['file'] not in keep: continue
        i = at[(r['file'], r['alteration'])]
        ok = np.zeros(len(regn), bool)
        for c in corners:
            if len(c) == 2: ok |= (Z[i] >= c[0]) & (N[i] >= c[1])
            else: ok |= (Z[i] >= c[0]) & (N[i] >= c[1]) & (Z[i] * N[i] >= c[2])
        if r['truth'] >= 0:
            per.setdefault(r['alteration'], []).append(r['found'] or (bool(ok[regn.index(r['file'])]) and r['in_shortlist']))
        else:
            f = r['flagged'] or bool(ok.any()); fl[0] += f; fl[1] += 1
            if r['file'] not in der: flu[0] += f; flu[1] += 1
    rec = {a: np.mean(v) for a, v in per.items()}
    return np.mean(list(rec.values())), rec['jpeg_30'], rec['crop_70+jpeg_30'], flu[0], flu[1], fl[0]
for corners in eval(sys.argv[1]):
    for h in ('all', 'even', 'odd'):
        m, j, c, u, nu, f = run(corners, h)
        print(f"{str(corners):45s} {h:4s} mean {m:.4f} jpeg {j:.3f} crop+jpeg {c:.3f} unrelated {u}/{nu} ({100*u/nu:.2f}%) all flagged {f}")
