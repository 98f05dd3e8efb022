import numpy as np, json, sys
d = np.load('/tmp/lab/pspec.npz', allow_pickle=True)
RV, regn, qn, qa, QV = d['RV'], list(d['regn']), d['qn'], d['qa'], d['QV']
rows = {}
for l in open('/tmp/lab/rows4.jsonl'):
    r = json.loads(l); rows[(r['file'], r['alteration'])] = r
def prep(V):
    V = V.copy()
    m = np.nanmean(V, axis=1, keepdims=True)
    return V - m
R = prep(RV); Q = prep(QV)
mu = np.nanmean(R, axis=0)
mode = sys.argv[1] if len(sys.argv) > 1 else 'l2'
def dist(q):
    ok = ~np.isnan(R) & ~np.isnan(q)[None]
    if mode == 'l2':
        D = np.where(ok, (R - q[None]) ** 2, 0).sum(1) / np.maximum(ok.sum(1), 1)
        return D
    a = np.where(ok, R - mu, 0); b = np.where(ok, (q - mu)[None], 0)
    return -(a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-9)
for alt in sorted(set(qa)):
    ranks = []; miss = []; oth = []
    for i in np.where(qa == alt)[0]:
        n = qn[i]
        D = dist(Q[i])
        if n in regn:
            t = regn.index(n); rk = int((D < D[t]).sum())
            ranks.append(rk)
            r = rows.get((n, alt))
            if r is not None and not r['in_shortlist']: miss.append(rk)
    ranks = np.array(ranks)
    print(alt.ljust(18), 'rank<1 %.3f <5 %.3f <15 %.3f <30 %.3f' % tuple((ranks < k).mean() for k in (1, 5, 15, 30)), 'not-shortlisted ranks:', sorted(miss))
