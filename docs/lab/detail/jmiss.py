import json, numpy as np, sys
d = np.load(sys.argv[1])
names, alts, Z, N, NLP, ZLP = d['names'], d['alts'], d['Z'], d['N'], d['NLP'], d['ZLP']
reg = list(d['reg'])
rows = {}
for l in open('/tmp/lab/rows4.jsonl'):
    r = json.loads(l); rows[(r['file'], r['alteration'])] = r
alt = sys.argv[2]
for i, (n, a) in enumerate(zip(names, alts)):
    if a != alt or n not in reg: continue
    r = rows[(n, a)]
    if r['found']: continue
    t = reg.index(n)
    oz = np.delete(Z[i], t); 
    print(n[:26].ljust(26), 'sl' if r['in_shortlist'] else '--', f"z {Z[i,t]:5.1f} n {N[i,t]:.2f} zlp {ZLP[i,0,t]:5.1f} nlp {NLP[i,0,t]:.2f} | other zmax {oz.max():5.1f}")
