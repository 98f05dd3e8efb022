import sys, pickle, os, time
from pathlib import Path
import numpy as np, cv2
sys.path.insert(0, '/work/main'); sys.path.insert(0, '/tmp/lab')
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
import persp; persp1 = persp
folder = Path(sys.argv[1]); ALT = sys.argv[2]; EVERY = int(sys.argv[3]); OFF = int(sys.argv[4]) if len(sys.argv) > 4 else 0
NOTHERS = int(os.environ.get('NOTHERS', 5))
paths = me.pattern_files(folder); reg, dis = suite.split(paths)
fps = pickle.loads(Path('/tmp/lab/regfps.pkl').read_bytes())
dets = [f.detail() for f in fps]
lpcs = [persp1._lp_of_tile(d.grey) for d in dets]
rng = np.random.default_rng(0)
res = []
for i, p in enumerate(reg):
    if i % EVERY != OFF: continue
    a = me._open(p)
    photo = suite.alter(a, p.name, ALT)
    qfp = me._query_fingerprint(photo); qd = qfp.detail()
    r = suite._rng(p.name, ALT); span = r.uniform(1.3, 2.0) * a.shape[1]
    s_true = 800 / span * qd.fx / dets[i].fx
    t0 = time.time()
    sr = persp1.scale_rotation(qd.grey, dets[i].grey, lpcs[i])
    zt, nt, kt, st = persp.align(qd.grey, dets[i].grey, lpc=lpcs[i], debug=bool(os.environ.get('DEBUG')))
    dt = time.time() - t0
    others = rng.choice([j for j in range(len(reg)) if j != i], NOTHERS, replace=False)
    ob = (0, 0, 0, 0)
    for j in others:
        r_ = persp.align(qd.grey, dets[j].grey, lpc=lpcs[j])
        ok_ = (r_[0] >= 14 and r_[1] >= 0.3) or (r_[0] >= 8 and r_[1] >= 0.6)
        if r_[0] > ob[0]: ob = r_
        if ok_: print('   OTHER PASS', reg[j].name, r_)
    ok = (zt >= 14 and nt >= 0.3) or (zt >= 8 and nt >= 0.6)
    res.append((ok, zt, nt, ob[0]))
    print(f"{p.name[:26]:26s} s_true {s_true:.3f} FM {[(round(x[0],3), round(np.degrees(x[1]))) for x in sr]} -> z {zt:5.1f} ncc {nt:.2f} inl {kt} s {st:.3f} pass {int(ok)} | other z {ob[0]:.1f} ncc {ob[1]:.2f}  {dt*1000:.0f} ms", flush=True)
r = np.array(res, float)
print('n', len(r), 'pass', r[:, 0].mean(), 'median z', np.median(r[:, 1]), 'others median z', np.median(r[:, 3]))
