import os, sys, itertools
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings")
sys.path.insert(0, os.getcwd())
import numpy as np
from PIL import Image
exec(open('/tmp/lab/weave.py').read().split('import itertools')[0])
res = []
for period, contrast, grain, cropq in itertools.product((22, 24, 26), (1.8, 2.1, 2.4), (0.3, 0.45), (False, True)):
    reg = [fp.compute(Image.fromarray(weave(s, period=period, contrast=contrast, grain=grain))) for s in (1, 2, 3)]
    a = weave(1, period=period, contrast=contrast, grain=grain)
    if cropq: a = np.ascontiguousarray(suite.crop(a, 0.7))
    q = fp.compute_query(Image.fromarray(np.ascontiguousarray(suite._jpeg(a, 30))))
    ev = engine.verify_many(q, reg)
    d = ev[0].detail
    plain_margin = min(14 - d.z, (0.6 - d.ncc) if d.z >= 8 else 1)
    lp_margin = min((d.lp_z - 8) / 8, d.lp_ncc - 0.65)
    other = max(engine.score_of(e) for e in ev[1:])
    res.append((min(plain_margin / 10, lp_margin), period, contrast, grain, cropq, round(d.z, 1), round(d.ncc, 2), round(d.lp_z, 1), round(d.lp_ncc, 2), round(other, 2)))
for r in sorted(res, reverse=True)[:6]: print(r)
