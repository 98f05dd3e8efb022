import pickle, json, sys, numpy as np
out=pickle.load(open(sys.argv[1],'rb'))
rows={}
for l in open('/tmp/lab/rows_head4.jsonl'):
    r=json.loads(l); rows[(r['file'],r['alteration'])]=r
for alt in ['jpeg_30','crop_70+jpeg_30']:
    reg=[o for o in out if o['alt']==alt and o['registered']]
    dis=[o for o in out if o['alt']==alt and not o['registered']]
    tot=sum(1 for (f,a),r in rows.items() if a==alt and r['truth']>=0)
    found=sum(1 for (f,a),r in rows.items() if a==alt and r['truth']>=0 and r['found'])
    own=np.array([dict(o['llr']).get(o['name'],0) if o['llr'] else 0 for o in reg])
    other=np.array([max([v for k,v in o['llr'] if k!=o['name']] or [-1e9]) for o in reg])
    dmax=[(o['name'], max([v for k,v in o['llr']] or [-1e9]), max(o['llr'], key=lambda t:t[1])[0] if o['llr'] else None) for o in dis]
    print(alt, 'registered', tot, 'engine found', found, 'missed', len(reg), 'no code', sum(1 for o in reg if not o['llr']))
    for b in (100,200,400):
        print(f'  bar {b}: new {int((own>=b).sum())} -> {(found+(own>=b).sum())/tot:.3f}; a wrong design passes on {int((other>=b).sum())} missed; distractors passing {[(n,round(v),k) for n,v,k in dmax if v>=b]}')
    print('  max other', round(other.max()), 'max distractor', round(max(v for _,v,_ in dmax)))
    print('  still missed', [(o['name'][6:], round(o['most']), round(x)) for o,x in zip(reg,own) if x<200])
