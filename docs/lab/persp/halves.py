import json, sys
sys.path.insert(0,'/work/main')
from pathlib import Path
from search import match_eval as me
files=[p.name for p in me.pattern_files(Path('../shared/patterns'))]
half={n:i%2 for i,n in enumerate(files)}
def items(path, truth_only):
    out=[]
    for l in open(path):
        r=json.loads(l); al=r["aligned"]
        for a in al:
            if a[5]<=0.3: continue
            if truth_only and a[0]!=r["file"]: continue
            others=[o[1] for o in al if o[0]!=a[0]]+[5.0]
            out.append((half[r["file"]], a[1]/max(others)))
    return out
t=items('/tmp/lab/stage_true.jsonl',True); f=items('/tmp/lab/stage_false.jsonl',False)
for h in (0,1):
    for R in (1.5,2.0,2.5,3.0):
        print("half",h,"R",R,"true kept",sum(1 for x in t if x[0]==h and x[1]>=R),"/",sum(1 for x in t if x[0]==h),"false kept",sum(1 for x in f if x[0]==h and x[1]>=R),"/",sum(1 for x in f if x[0]==h))
