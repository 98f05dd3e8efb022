"""Every JPEG 30 and crop 70% + JPEG 30 query of the folder against all 213 registered files."""
import sys, time, pickle, os, numpy as np
sys.path.insert(0,'/work/main'); sys.path.insert(0,'/tmp/lab/jq')
from pathlib import Path
from multiprocessing import Pool
from PIL import Image
from search.match_eval import pattern_files
from search import match_suite as suite
import jqlib as J
fs=pattern_files(Path('/work/shared/patterns'))
reg,dis=suite.split(fs)
op=lambda p: np.asarray(Image.open(p).convert('RGB'))
ALTS=os.environ.get('ALTS','jpeg_30,crop_70+jpeg_30').split(',')
EVERY=int(os.environ.get('EVERY','1'))
CANDS=None
def init():
    global CANDS
    CANDS=[(p.name, J.Cand(op(p))) for p in reg]
def one(job):
    p, alt = job
    t=time.time()
    qs=J.query_state(suite.alter(op(p),p.name,alt))
    res=[(n, J.best_llr(qs,c)[0]) for n,c in CANDS]
    return dict(name=p.name, alt=alt, registered=p in reg, quality=qs[3], score=qs[2],
                n=(qs[4].n if qs[4] is not None else 0), llr=res, sec=time.time()-t)
if __name__=='__main__':
    jobs=[(p,a) for p in fs[::EVERY] for a in ALTS]
    out=[]
    t=time.time()
    with Pool(2, initializer=init) as pool:
        for i,r in enumerate(pool.imap_unordered(one, jobs, chunksize=2)):
            out.append(r)
            if i%50==0: print(i, len(jobs), round(time.time()-t), flush=True)
    pickle.dump(out, open(os.environ.get('OUT','/tmp/lab/jq/all.pkl'),'wb'))
    print('done', round(time.time()-t))
