import sys; sys.argv = [sys.argv[0]] + sys.argv[1:]
exec(open('/tmp/lab/rot_est.py').read().split("if __name__")[0])
def angle_z(qfp, cfp):
    q = qfp.detail(); c = cfp.detail()
    pq = engine._prepare_query(q.grey, c.fx / q.fx, c.fy / q.fy, c.grey.shape)
    if pq is None: return 0, 0
    shape = c.grey.shape
    a = logpolar(pq.spectrum, shape); b = logpolar(scipy.fft.rfft2(c.grey), shape)
    corr = np.real(np.fft.ifft(np.fft.fft(a, axis=0) * np.conj(np.fft.fft(b, axis=0)), axis=0)).sum(axis=1)
    deg = np.arange(NA) * 180.0 / NA; deg = np.where(deg > 90, deg - 180, deg)
    z = (corr - corr.mean()) / (corr.std() + 1e-9)
    sel = (np.abs(deg) <= MAXDEG) & (np.abs(deg) >= 1.0)
    i = np.flatnonzero(sel)[z[sel].argmax()]
    return float(z[i]), float(deg[i])
paths = me.pattern_files(Path('../shared/patterns')); reg, dis = suite.split(paths)
fps = pickle.loads(Path('/tmp/lab/regfps.pkl').read_bytes())
rng0 = np.random.default_rng(1)
T, O, Z0 = [], [], []
ALT = sys.argv[2] if len(sys.argv) > 2 else 'rot_5_10'
for i, p in enumerate(reg):
    if i % int(sys.argv[1]): continue
    q = me._query_fingerprint(suite.alter(me._open(p), p.name, ALT))
    T.append(angle_z(q, fps[i])[0])
    Z0.append(angle_z(q, fps[i]))
    for j in rng0.choice(len(reg), 10, replace=False):
        if j != i: O.append(angle_z(q, fps[j])[0])
T, O = np.array(T), np.array(O)
print(ALT, 'truth z_ang quantiles', np.quantile(T, [0, .05, .1, .5]).round(2), 'others', np.quantile(O, [.5, .9, .95, .99, 1]).round(2))
for th in (3, 4, 5, 6):
    print(' th', th, 'truth kept', (T >= th).mean().round(3), 'others tried', (O >= th).mean().round(3))
