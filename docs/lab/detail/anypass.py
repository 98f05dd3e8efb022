import numpy as np, json
D = np.load('/tmp/lab/d_dis.npz'); reg = list(D['reg'])
Z, N, ZL, NL = D['Z'], D['N'], D['ZLP'][:, 0], D['NLP'][:, 0]
ok = ((Z >= 14) & (N >= 0.3)) | ((Z >= 8) & (N >= 0.6)) | ((Z >= 14) & (ZL >= 14) & (NL >= 0.4)) | ((ZL >= 8) & (NL >= 0.65))
rows = {}
for l in open('/tmp/lab/rows_full_c.jsonl'):
    r = json.loads(l); rows[(r['file'], r['alteration'])] = r
derived = {'subtle-binding_dark.png', 'subtle-darkdenim3.png', 'subtle-little_pluses.jpg', 'subtle-perforated_white_leather.png', 'subtle-triangular.png', 'subtle-tweed.png', 'subtle-white_texture.png'}
n = 0
for i in np.where(ok.any(1))[0]:
    nm, a = D['names'][i], D['alts'][i]
    if nm in derived: continue
    n += 1
    print(nm, a, [(reg[t], round(float(Z[i, t]), 1), round(float(N[i, t]), 2)) for t in np.where(ok[i])[0]], 'engine flagged:', rows[(nm, a)]['flagged'])
print('unrelated distractor queries with some design passing the detail rule:', n)
