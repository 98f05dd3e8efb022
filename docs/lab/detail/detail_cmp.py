"""New finds and new unrelated flags of several detail.py runs side by side, over the
engine's rows. Env TS (peaks, default 10,12,14,18); CLOSE="8,0.6" adds the shipped
second corner (z >= 8 with a correlation >= 0.6)."""
import json, os, sys, numpy as np
TS = [float(t) for t in os.environ.get('TS', '10,12,14,18').split(',')]
CLOSE = [float(c) for c in os.environ['CLOSE'].split(',')] if os.environ.get('CLOSE') else None
rows=[json.loads(l) for l in open('/tmp/lab/rows_main.jsonl')]
der=set(json.load(open('/tmp/lab/full_main.json'))['methods']['engine']['derived_distractors'])
for path in sys.argv[1:]:
    d=np.load(path); names,alts,Z,N,regn=list(d['names']),list(d['alts']),d['Z'],d['N'],list(d['reg'])
    at={(n,a):i for i,(n,a) in enumerate(zip(names,alts))}
    out=[]
    for T in TS:
        for N0 in (0.25,0.3):
            new=0; fl=0; nd=0; nq=0
            for r in rows:
                i=at.get((r['file'],r['alteration']))
                if i is None: continue
                ok=(Z[i]>=T)&(N[i]>=N0)
                if CLOSE: ok|=(Z[i]>=CLOSE[0])&(N[i]>=CLOSE[1])
                if r['truth']>=0:
                    t=regn.index(r['file']); new += (not r['found']) and bool(ok[t]) and r['in_shortlist']; nq+=1
                elif r['file'] not in der:
                    fl += (not r['flagged']) and bool(ok.any()); nd+=1
            out.append(f"T{T} N{N0}: new {new}/{nq} unrel {fl}/{nd}")
    print(path.split('/')[-1], ' | '.join(out))
