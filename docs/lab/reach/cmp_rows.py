import json, sys
def load(p):
    d={}
    for line in open(p):
        r=json.loads(line); d[(r['file'] if 'file' in r else r['query'], r['alteration'])]=r
    return d
a,b=load(sys.argv[1]),load(sys.argv[2])
def found(r): return r.get('found') if 'found' in r else None
gain=[];loss=[];fl=[]
for k in a:
    if k not in b: continue
    ra,rb=a[k],b[k]
    if ra['truth']>=0:
        fa,fb=ra['found'],rb['found']
        if fb and not fa: gain.append(k)
        if fa and not fb: loss.append(k)
    else:
        if ra['flagged']!=rb['flagged']: fl.append((k,ra['flagged'],rb['flagged']))
print('gain',len(gain),'loss',len(loss)); print('flag changes',fl)
for k in gain: print(' +',k)
for k in loss: print(' -',k)
