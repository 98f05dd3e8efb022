import numpy as np, json, sys
J = np.load('/tmp/lab/d_jpeg.npz'); D = np.load('/tmp/lab/d_dis.npz'); reg = list(J['reg'])
rows = {}
for l in open('/tmp/lab/rows_c15.jsonl'):
    r = json.loads(l); rows[(r['file'], r['alteration'])] = r
der = {'subtle-binding_dark.png','subtle-darkdenim3.png','subtle-perforated_white_leather.png','subtle-tweed.png','subtle-white_texture.png'}
rng = np.random.default_rng(0)
def lead(z, t, k):
    others = np.delete(z, t)
    if k: others = rng.choice(others, k, replace=False)
    return z[t] / max(others.max(), 1e-6)
for Zt, R, K in [(16, 2.5, 0), (16, 2.5, 44), (18, 2.5, 44), (16, 3.0, 44), (20, 2.0, 44), (14, 3.0, 44)]:
    fl = []
    for i in range(len(D['Z'])):
        if D['names'][i] in der: continue
        z = D['Z'][i]; t = int(z.argmax())
        if z[t] >= Zt and lead(z, t, K) >= R: fl.append((D['names'][i], D['alts'][i], reg[t], round(float(z[t]), 1)))
    gains = {}
    for alt in ('jpeg_30', 'crop_70+jpeg_30'):
        g = 0
        for i in np.where(J['alts'] == alt)[0]:
            n = J['names'][i]
            if n not in reg or rows[(n, alt)]['found'] or not rows[(n, alt)]['in_shortlist']: continue
            z = J['Z'][i]; t = reg.index(n)
            if z[t] >= Zt and lead(z, t, K) >= R: g += 1
        gains[alt] = g
    print(Zt, R, K, 'gains', gains, 'unrelated distractor queries passing', len(fl), fl[:6])
