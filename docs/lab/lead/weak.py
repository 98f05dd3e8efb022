"""Lab: a second, weaker lead rule — the embedding's first design by any margin, backed by
a high raw whitened peak — replayed on both halves on top of item 21."""
import sys; sys.path.insert(0, '/tmp/lab/lead')
import grid
THRESHOLD, SCORE = 0.5, 0.51
BASE = dict(grid.SHIPPED, f_corr=0.75)


def decide(row, m2, p2, c2):
    name, alt, truth, best, margin, cands, photo = row
    table = []
    for n, (key, s, count, corr, phase, cos, ham, alteration, desc) in enumerate(cands):
        if n == best and s <= THRESHOLD:
            r = BASE
            ok = (count >= 2 and margin >= 0.1) or ((corr >= 0.6 or phase >= 7) and margin >= 0.1 and cos >= 0.75) \
                or (margin >= 0.3 and cos >= 0.8) or (margin >= m2 and phase >= p2 and cos >= c2)
            if ok: s = SCORE
        table.append([-s, ham, key, s > THRESHOLD])
    if photo and not any(t[3] for t in table):
        have = {t[2]: t for t in table}
        for key, s in photo.items():
            if key in have: have[key][0], have[key][3] = -s, True
            else: table.append([-s, 2048, key, True])
    table.sort(key=lambda t: t[:3])
    return table[:5]


def outcome(half, *rule):
    hits = {}; uf = 0
    for row in grid.data['rows']:
        name, alt, truth = row[:3]
        if grid.order[name] % 2 != half or (truth < 0 and name in grid.derived): continue
        top = decide(row, *rule)
        if truth >= 0:
            h = hits.setdefault(alt, [0, 0]); h[0] += any(t[2] == truth and t[3] for t in top); h[1] += 1
        else:
            uf += any(t[3] for t in top)
    return round(sum(a / b for a, b in hits.values()) / len(hits), 4), uf


print('item 21', outcome(0, 9, 99, 9), outcome(1, 9, 99, 9))
for m2 in (0.0, 0.02, 0.05):
    for p2 in (8, 9, 10, 12):
        for c2 in (0.5, 0.6, 0.7):
            print(m2, p2, c2, outcome(0, m2, p2, c2), outcome(1, m2, p2, c2))
