import sys, numpy as np, scipy.fft
sys.path.insert(0,'/work/main')
from pathlib import Path
from PIL import Image
from search.match_eval import pattern_files
from search import match_suite as suite
from search import jpegcopy as J
fs={p.name:p for p in pattern_files(Path('/work/shared/patterns'))}
for name in ['subtle-white_tiles.png','subtle-linen.png','subtle-dark_stripes.png','subtle-noise_lines.png','subtle-farmer.png','subtle-tiny_grid.png','subtle-wavegrid.png']:
    a=np.asarray(Image.open(fs[name]).convert('RGB'))
    for alt in ('jpeg_30','crop_70+jpeg_30'):
        q=J.Query.of(suite.alter(a,name,alt))
        if q is None: continue
        y=J.luma(a).astype(float); h,w=y.shape
        canvas=np.zeros((h,w)); py=(np.arange(q.rows*8)%h)[:,None]; px=(np.arange(q.cols*8)%w)[None,:]
        np.add.at(canvas,(py,px),q.luma-q.luma.mean())
        cross=np.conj(scipy.fft.rfft2(canvas))*scipy.fft.rfft2(y-y.mean())
        m=np.abs(cross)
        # true shift
        hh,ww=a.shape[:2]
        if alt=='jpeg_30': t=(0,0)
        else:
            ch,cw=round(hh*0.7),round(ww*0.7); t=((hh-ch)//2,(ww-cw)//2)
        out=[]
        for k in (0.01,0.1,1,10,None):
            c=cross if k is None else cross/(m+k*m.mean())
            sfc=scipy.fft.irfft2(c,s=(h,w))
            v=sfc[t]; rank=(sfc>v).sum()
            out.append(rank)
        print(name[6:20], alt[:6], 'rank of truth with eps .01/.1/1/10/plain:', out)
