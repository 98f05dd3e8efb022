import sys, os, pickle
sys.path.insert(0,'/work/main'); os.environ.setdefault('DJANGO_SETTINGS_MODULE','ipcenter.settings')
import django; django.setup()
import numpy as np
from pathlib import Path
from scipy import ndimage as ndi
from search import match_eval as me, match_suite as suite
d=pickle.load(open('jpeg.pkl','rb'))
F=Path('/work/shared/patterns')
files={p.name:p for p in me.pattern_files(F)}
import replay
def luma(a): a=a.astype(np.float32); return a[...,0]*.299+a[...,1]*.587+a[...,2]*.114
def corr(a,b):
    a=a-a.mean(); b=b-b.mean(); return float((a*b).sum()/np.sqrt((a*a).sum()*(b*b).sum()+1e-9))
for row in d['rows']:
    name,a,truth=row[:3]
    if a!='jpeg_30' or truth<0: continue
    top,_=replay.decide(row,replay.Rule())
    found=any(t[2]==truth and t[3] for t in top)
    o=me._open(files[name]); q=suite.alter(o,name,a)
    lo,lq=luma(np.asarray(o)),luma(q)
    if lo.shape!=lq.shape: print(name,'shape',lo.shape,lq.shape); continue
    c0=corr(lo,lq); c2=corr(ndi.gaussian_filter(lo,2),ndi.gaussian_filter(lq,2))
    print('HIT ' if found else 'MISS', name, lo.shape, 'std %.2f'%lo.std(), 'qstd %.2f'%lq.std(), 'corr %.3f lp2 %.3f'%(c0,c2))
