import sys, pickle
import numpy as np
sys.path.insert(0, "/tmp/lab")
from common import reg, dis, is_train, suite
d = pickle.load(open(sys.argv[1], "rb")); R, E, regn = d["R"], d["E"], d["regn"]
names = {n: i for i, n in enumerate(regn)}
alts = list(suite.ALTERATIONS)
DER = ['little_pluses', 'white_texture', 'perforated_white_leather', 'tweed', 'binding_dark', 'triangular']
def run(label, tf):
    Rt = tf(R.reshape(-1, R.shape[-1])).reshape(R.shape[0], R.shape[1], -1)
    S = {k: (Rt @ tf(v[None])[0]).max(axis=1) for k, v in E.items()}
    dsc = [S[(p.name, a)].max() for p in dis if not any(k in p.name for k in DER) for a in alts]
    thr = np.quantile(dsc, 0.99)
    per = {}; per5 = {}
    for a in alts:
        h = []; h5 = []
        for p in reg:
            s = S[(p.name, a)]; i = names[p.name]; o = np.argsort(-s)[:5]
            h5.append(i in o); h.append(i in o and s[i] > thr)
        per[a] = np.mean(h); per5[a] = np.mean(h5)
    print(f"{label}: thr={thr:.3f} rank5={np.mean(list(per5.values())):.3f} @1%={np.mean(list(per.values())):.3f}", " ".join(f"{a[:8]}:{v:.2f}" for a, v in per.items()))
    return S
norm = lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)
run("raw", lambda x: x)
mu = R[:, 0].mean(axis=0)
run("centred", lambda x: norm(x - mu))
U, s, Vt = np.linalg.svd(R[:, 0] - mu, full_matrices=False)
for eps in (0.1, 0.3, 1.0):
    Wm = Vt.T / (s + eps * s.mean())
    run(f"whiten eps{eps}", lambda x, Wm=Wm: norm((x - mu) @ Wm))
