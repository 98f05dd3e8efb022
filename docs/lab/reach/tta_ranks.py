import pickle, sys, numpy as np
sys.path.insert(0, "/work/main")
from pathlib import Path
from search import match_suite as suite
from search.match_eval import pattern_files
from search.train_embedding import is_training_design
O = pickle.load(open('tta.pkl','rb'))
files = pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(files)
regn=[p.name for p in reg]; R=np.stack([O[n]['reg'] for n in regn])  # N×3×128
def sims(E, how):
    # E: k×128 query crops; returns per-design score
    s = np.einsum('nsd,kd->nks', R, E).max(axis=2)  # N×k
    if how=='max': return s.max(axis=1)
    if how=='mean': return s.mean(axis=1)
    if how=='meanemb':
        m=E.mean(0); m/=np.linalg.norm(m); return (R@m).max(axis=1)
    if how=='first': return s[:,0]
for alt in ['market_photo','market_photo+hue_90']:
    for var,how in [('whole','first'),('quad','max'),('quad','mean'),('quad','meanemb'),('c70','max'),('c70','mean'),('c70','meanemb'),('scales','max'),('scales','mean'),('scales','meanemb')]:
        r=[]
        for i,n in enumerate(regn):
            f=sims(O[n][alt][var],how); r.append(int((f>f[i]).sum()))
        r=np.array(r); seen=np.array([is_training_design(n) for n in regn])
        print(f"{alt:22s} {var:6s} {how:8s} @1 {np.mean(r<1):.3f} @3 {np.mean(r<3):.3f} @20 {np.mean(r<20):.3f} @45 {np.mean(r<45):.3f} unseen@3 {np.mean(r[~seen]<3):.3f}")
