import pickle,numpy as np,sys
sys.path.insert(0,'/tmp/lab')
from common import reg, suite, is_train
d=pickle.load(open(sys.argv[1],'rb'));R,E,regn=d['R'],d['E'],d['regn']
names={n:i for i,n in enumerate(regn)}
for k in (5,15):
  for grp in ("seen","unseen"):
    ps=[p for p in reg if is_train(p)==(grp=="seen")]
    per={a:np.mean([names[p.name] in np.argsort(-(R@E[(p.name,a)]).max(1))[:k] for p in ps]) for a in suite.ALTERATIONS}
    print(k, grp, round(np.mean(list(per.values())),3), ' '.join(f'{a[:8]}:{v:.2f}' for a,v in per.items()))
