"""Lab: a learned lead rule. A logistic model over each verified candidate's evidence
(the score without the lead rules, places, counted correlation, whitened peak and its
ratio to the other candidates', embedding cosine, its margin and rank, shortlist
distance) may raise a candidate to a match, in place of the hand-made lead rules.
Fitted on one half of the folder's files, its threshold chosen there so that it flags
no more unrelated distractor queries than the shipped rules do on that half; shown on
the other half beside the shipped rules."""
import os, pickle, sys
import numpy as np
sys.path.insert(0, '/tmp/lab/lead')
import replay
from replay import Rule

data = replay.load(os.environ.get('DUMP', '/tmp/lab/lead/dump.pkl'))
derived = pickle.load(open('/tmp/lab/lead/derived.pkl', 'rb')) if os.path.exists('/tmp/lab/lead/derived.pkl') else frozenset()
order = {f: n for n, f in enumerate(data['files'])}

def feats(cands):
    s = np.array([c[1] for c in cands]); cnt = np.array([c[2] for c in cands], float)
    corr = np.array([c[3] for c in cands]); ph = np.array([c[4] for c in cands])
    cos = np.array([c[5] for c in cands]); ham = np.array([min(c[6], 2048) for c in cands], float)
    n = len(cands)
    def other_max(v):
        if n == 1: return np.zeros(1)
        top2 = np.sort(v)[-2:]
        return np.where(v == top2[1], top2[0], top2[1])
    ocos = other_max(cos); oph = other_max(ph)
    rank = np.argsort(np.argsort(-cos))
    X = np.stack([s, np.log1p(cnt), corr, ph / 14, np.clip(ph / np.maximum(oph, 1), 0, 5),
                  cos, cos - ocos, (rank == 0).astype(float), np.log1p(rank), ham / 1024,
                  (cos - ocos) * cos, np.log1p(cnt) * (cos - ocos)], 1)
    return X

def sigmoid(z): return 1 / (1 + np.exp(-z))

def fit(X, y, l2=1e-3, iters=30):
    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = np.hstack([(X - mu) / sd, np.ones((len(X), 1))])
    w = np.zeros(Z.shape[1])
    for _ in range(iters):
        p = sigmoid(Z @ w); g = Z.T @ (p - y) + l2 * w
        H = (Z * (p * (1 - p))[:, None]).T @ Z + l2 * np.eye(len(w))
        w -= np.linalg.solve(H, g)
    return mu, sd, w

def prob(model, X):
    mu, sd, w = model
    return sigmoid(np.hstack([(X - mu) / sd, np.ones((len(X), 1))]) @ w)

rows = data['rows']
F = [feats(r[5]) if r[5] else np.zeros((0, 12)) for r in rows]

def decide(row, p, t):
    name, alt, truth, best, margin, cands, photo = row
    table = []
    for n, (key, s, count, corr, phase, cos, ham, alteration, desc) in enumerate(cands):
        if p[n] > t: s = max(s, 0.51)
        table.append([-s, ham, key, s > 0.5])
    if photo and not any(t_[3] for t_ in table):
        have = {t_[2]: t_ for t_ in table}
        for key, s in photo.items():
            if key in have: have[key][0], have[key][3] = -s, True
            else: table.append([-s, 2048, key, True])
    table.sort(key=lambda t_: t_[:3])
    return table[:5]

def summary(half, P, t):
    per = {}; uf = u = 0
    for i, row in enumerate(rows):
        if order[row[0]] % 2 != half: continue
        top = decide(row, P[i], t)
        if row[2] >= 0:
            a = per.setdefault(row[1], [0, 0]); a[0] += any(x[2] == row[2] and x[3] for x in top); a[1] += 1
        elif row[0] not in derived:
            u += 1; uf += any(x[3] for x in top)
    rec = {a: v[0] / v[1] for a, v in per.items()}
    return np.mean(list(rec.values())), uf, u, rec

for train in (0, 1):
    test = 1 - train
    idx = [i for i, r in enumerate(rows) if order[r[0]] % 2 == train and r[5]]
    X = np.vstack([F[i] for i in idx]); y = np.concatenate([[c[0] == rows[i][2] for c in rows[i][5]] for i in idx]).astype(float)
    # Derived distractors' candidates are left out of the fit: they are copies.
    keep = np.concatenate([[rows[i][0] not in derived or rows[i][2] >= 0] * len(rows[i][5]) for i in idx])
    lead = X[:, 7] == 1 if os.environ.get('LEADER') else np.ones(len(X), bool)
    model = fit(X[keep & lead], y[keep & lead])
    only = (lambda f: f[:, 7] == 1) if os.environ.get('LEADER') else (lambda f: 1)
    P = [(prob(model, f) * only(f)) if len(f) else np.zeros(0) for f in F]
    base = {h: replay.summary(data, Rule(), derived, h) for h in (0, 1)}
    noLead = {h: replay.summary(data, Rule(off=True), derived, h) for h in (0, 1)}
    budget = base[train][3][0]
    print(f'train half {train}: shipped mean {base[train][0]:.4f} unrel {base[train][3]}, no lead {noLead[train][0]:.4f} {noLead[train][3]} | held-out half {test}: shipped {base[test][0]:.4f} {base[test][3]}, no lead {noLead[test][0]:.4f} {noLead[test][3]}')
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        m, uf, u, _ = summary(train, P, t)
        m2, uf2, u2, rec2 = summary(test, P, t)
        mark = '*' if uf <= budget else ' '
        print(f'  {mark} t {t:.2f} train {m:.4f} {uf}/{u}   held-out {m2:.4f} {uf2}/{u2}')
    print('  weights', np.round(model[2], 2))
