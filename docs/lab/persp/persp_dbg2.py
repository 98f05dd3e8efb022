import sys, pickle, os
from pathlib import Path
import numpy as np, cv2
sys.path.insert(0, '/work/main'); sys.path.insert(0, '/tmp/lab')
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
import persp_ecc as pe; import persp as persp1
exec(open('/tmp/lab/oracle_detail.py').read().split('class Q')[0].split("cache = Path")[0].replace("folder = Path(sys.argv[1]); ALT = sys.argv[2]; EVERY = int(sys.argv[3]); WIN = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0", "folder=Path('../shared/patterns'); ALT='market_photo'"))
exec("def geometry" + open('/tmp/lab/oracle_detail.py').read().split('def geometry')[1].split('class Q')[0])
fps = pickle.loads(Path('/tmp/lab/regfps.pkl').read_bytes())
def truth(name):
    i = [p.name for p in reg].index(name); p = reg[i]
    a = me._open(p); photo = suite.alter(a, p.name, ALT)
    qd = me._query_fingerprint(photo).detail(); cd = fps[i].detail()
    m, (cx, cy), span = geometry(a, p.name, ALT)
    def f(u):  # tile detail px (relative) -> query detail px
        b = np.array([cx + u[0] / cd.fx, cy + u[1] / cd.fy, 1.0]); v = m @ b
        return np.array([v[0] / v[2] * qd.fx, v[1] / v[2] * qd.fy])
    c0 = f([0, 0]); J = np.stack([f([1, 0]) - c0, f([0, 1]) - c0], 1)
    s = np.sqrt(abs(np.linalg.det(J))); th = np.degrees(np.arctan2(J[1, 0], J[0, 0]))
    return qd, cd, s, th, J

import time
for name in sys.argv[1:]:
    qd, cd, s, th, J = truth(name)
    print(name, 's', round(s, 3), 'theta', round(th, 1))
    t0 = time.time(); b = pe.align(qd, cd, debug=True, tries=2); print(' best', b[0] and b[0][1], b[1], f'{(time.time()-t0)*1000:.0f} ms')
print('--- z0 at the true J')
for name in sys.argv[1:]:
    qd, cd, s, th, J = truth(name)
    q = qd.grey.astype(np.float32); c = cd.grey.astype(np.float32); h, w = c.shape; qh, qw = q.shape
    for win in (1.0, 0.5):
        Ainv = np.linalg.inv(J)
        ww, hh = int(w * win), int(h * win)
        M = np.zeros((2, 3)); M[:, :2] = Ainv; M[:, 2] = np.array([ww / 2, hh / 2]) - Ainv @ [qw / 2, qh / 2]
        qt = cv2.warpAffine(q, M, (ww, hh)); valid = cv2.warpAffine(np.ones_like(q), M, (ww, hh)) > 0.99
        qt = np.where(valid, qt - qt[valid].mean(), 0).astype(np.float32); qt *= cv2.GaussianBlur(valid.astype(np.float32), (0, 0), 4)
        for sg in (1.0, 2.0, 3.0):
            print(name, 'win', win, 'sigma', sg, 'z0 %.1f' % pe._lowpass_phase(qt, c, sg)[0])
