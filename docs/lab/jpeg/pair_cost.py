import sys, time, numpy as np
sys.path.insert(0,'/work/main')
from pathlib import Path
from PIL import Image
from search.match_eval import pattern_files
from search import match_suite as suite
from search import jpegcopy as J
J.SHIFTS=8

fs=pattern_files(Path('/work/shared/patterns'))
reg,dis=suite.split(fs)
op=lambda p: np.asarray(Image.open(p).convert('RGB'))
C=[op(p) for p in reg[:20]]
for i in (40, 60, 80, 100):
  p=reg[i]
  for alt in ('jpeg_30','crop_70+jpeg_30'):
    t=time.time(); q=J.Query.of(suite.alter(op(p),p.name,alt)); tq=time.time()-t
    if q is None: print(p.name, alt, 'none'); continue
    t=time.time(); [q.evidence(c) for c in C]; print(p.name, alt, 'tables', len(q.readings), 'query', round(tq*1000), 'ms pair', round((time.time()-t)/20*1000,1), 'own', round(q.evidence(op(p)).nats), round(q.most))
