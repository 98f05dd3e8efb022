"""The shipped module (search.jpegcopy) on the queries the engine missed and every distractor."""
import sys, time, pickle, os, json, numpy as np
sys.path.insert(0,'/work/main')
from pathlib import Path
from multiprocessing import Pool
from PIL import Image
from search.match_eval import pattern_files
from search import match_suite as suite
from search import jpegcopy as J

fs=pattern_files(Path('/work/shared/patterns'))
reg,dis=suite.split(fs)
op=lambda p: np.asarray(Image.open(p).convert('RGB'))
rows={}
for l in open('/tmp/lab/rows_head4.jsonl'):
    r=json.loads(l); rows[(r['file'],r['alteration'])]=r
CANDS=None
def init():
    global CANDS
    CANDS=[(p.name, op(p)) for p in reg]
def one(job):
    p, alt = job
    t=time.time()
    q=J.Query.of(suite.alter(op(p),p.name,alt))
    res=[(n, q.evidence(c).nats) for n,c in CANDS] if q is not None else []
    return dict(name=p.name, alt=alt, registered=p in reg, most=(q.most if q else 0), n=(len(q.at) if q else 0), llr=res, sec=time.time()-t)
if __name__=='__main__':
    jobs=[(p,a) for p in fs for a in ('jpeg_30','crop_70+jpeg_30') if (p not in reg) or not rows[(p.name,a)]['found']]
    print(len(jobs), flush=True)
    out=[]; t=time.time()
    with Pool(2, initializer=init) as pool:
        for i,r in enumerate(pool.imap_unordered(one, jobs, chunksize=2)):
            out.append(r)
            if i%50==0: print(i, len(jobs), round(time.time()-t), flush=True)
    pickle.dump(out, open(os.environ.get('OUT','/tmp/lab/jq/mod.pkl'),'wb'))
    print('done', round(time.time()-t))
