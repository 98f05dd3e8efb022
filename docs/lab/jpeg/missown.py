import sys, json, numpy as np
sys.path.insert(0,'/work/main')
from pathlib import Path
from PIL import Image
from search.match_eval import pattern_files
from search import match_suite as suite
from search import jpegcopy as J
fs={p.name:p for p in pattern_files(Path('/work/shared/patterns'))}
op=lambda p: np.asarray(Image.open(p).convert('RGB'))
rows=[json.loads(l) for l in open(sys.argv[1])]
n=0
for r in rows:
    if r['truth']<0 or r['found']: continue
    a=op(fs[r['file']]); q=J.Query.of(suite.alter(a,r['file'],r['alteration']))
    e=q.evidence(a) if q else None
    print(r['alteration'][:6], r['file'][6:], 'most', q and round(q.most), 'own', e and round(e.nats), 'in_shortlist', r.get('in_shortlist'), 'emb', r.get('truth_embedding'))
