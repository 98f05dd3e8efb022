import pickle, sys
sys.path.insert(0, '/tmp/lab/lead')
import replay
from replay import Rule
data = replay.load()
derived = pickle.load(open('derived.pkl', 'rb'))
order = {f: n for n, f in enumerate(data['files'])}
gain, bad, der = [], [], []
for row in data['rows']:
    name, alt, truth, best, margin, cands, photo = row
    top, boosted = replay.decide(row, Rule())
    if boosted is None:
        continue
    c = cands[best]
    feat = (round(margin, 3), round(c[5], 3), c[2], round(c[3], 2), round(c[4], 1))
    if truth >= 0:
        found = any(t[2] == truth and t[3] for t in top)
        if found and boosted == truth:
            gain.append((feat, alt, name))
    elif name not in derived:
        bad.append((feat, alt, name))
    else:
        der.append((feat, alt, name))
print('gains', len(gain), 'unrelated', len(bad), 'derived', len(der))
print('feat = margin, cos, places, corr, phase')
for g in sorted(bad): print('BAD ', g)
import collections
print(collections.Counter(a for _, a, _ in gain))
for g in sorted(gain): print('gain', order[g[2]] % 2, g)
