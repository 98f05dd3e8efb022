import pickle, json, sys, numpy as np, collections
out=pickle.load(open(sys.argv[1] if len(sys.argv)>1 else '/tmp/lab/jq/all.pkl','rb'))
rows={}
for l in open('/tmp/lab/rows_head4.jsonl'):
    r=json.loads(l); rows[(r['file'],r['alteration'])]=r
BARS=[50,100,200,500,1000]
for alt in ['jpeg_30','crop_70+jpeg_30']:
    reg=[o for o in out if o['alt']==alt and o['registered']]
    dis=[o for o in out if o['alt']==alt and not o['registered']]
    noq=sum(1 for o in reg if o['n']==0)
    own=[]; other=[]
    for o in reg:
        d=dict(o['llr']); own.append(d[o['name']]); other.append(max(v for k,v in d.items() if k!=o['name']))
    own=np.array(own); other=np.array(other)
    dmax=np.array([max(v for k,v in o['llr']) for o in dis])
    found=np.array([rows[(o['name'],alt)]['found'] for o in reg])
    print(alt, 'registered', len(reg), 'no code', noq, 'engine found', found.sum())
    print('  other max', other.max().round(1), 'distractor max', dmax.max().round(1), 'distractors >0:', [(o['name'],round(m)) for o,m in zip(dis,dmax) if m>0])
    for b in BARS:
        p=own>=b
        print(f'  bar {b}: own pass {p.sum()}, new (engine missed) {(p & ~found).sum()}, union {(p|found).sum()/len(reg):.3f}, others pass {(other>=b).sum()}, distractors pass {(dmax>=b).sum()}')
    miss=[(o['name'],o['n'],round(own[i])) for i,o in enumerate(reg) if not found[i] and own[i]<200]
    print('  still missed', len(miss), miss[:40])
