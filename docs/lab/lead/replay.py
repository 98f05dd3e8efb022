"""Lab: replay engine.match()'s decision from dump.pkl under variants of the lead rules."""
import pickle, sys
from dataclasses import dataclass

THRESHOLD = 0.5
SCORE = 0.51


@dataclass(frozen=True)
class Rule:
    margin: float = 0.1
    places: int = 2
    corr: float = 0.6
    phase: float = 7.0
    sure_margin: float = 0.3
    sure_cos: float = 0.8
    floor: float = 0.0  # the leader's cosine at least this for any backing
    surface_floor: float = 0.75  # item 21: correlation and peak back only at this cosine
    off: bool = False


def decide(row, rule: Rule):
    """Return (top-5 list of (key, score, is_match, alteration), leader-boosted key or None)."""
    name, alt, truth, best, margin, cands, photo = row
    boosted = None
    table = []
    for n, (key, s, count, corr, phase, cos, ham, alteration, desc) in enumerate(cands):
        if not rule.off and n == best and margin >= rule.margin and cos >= rule.floor:
            sure = margin >= rule.sure_margin and cos >= rule.sure_cos
            if count >= rule.places or (cos >= rule.surface_floor and (corr >= rule.corr or phase >= rule.phase)) or sure:
                if s <= THRESHOLD:
                    boosted = key
                s = max(s, SCORE)
        table.append([-s, ham, key, s > THRESHOLD, alteration if s > THRESHOLD else None])
    if photo and not any(t[3] for t in table):
        have = {t[2]: t for t in table}
        for key, s in photo.items():
            if key in have:
                have[key][0], have[key][3], have[key][4] = -s, True, 'photographed'
            else:
                table.append([-s, 2 * 1024, key, True, 'photographed'])
    table.sort(key=lambda t: t[:3])
    return table[:5], boosted


def load(path='/tmp/lab/lead/dump.pkl'):
    return pickle.load(open(path, 'rb'))


def summary(data, rule, derived=frozenset(), half=None, files=None):
    """Mean recall@5 over alterations, per alteration recall, flagged distractor queries
    (all, unrelated), restricted to half 0/1 of the folder by file order if given."""
    order = {f: n for n, f in enumerate(data['files'])}
    per = {}
    dist = dist_flag = unrel = unrel_flag = 0
    flags = []
    for row in data['rows']:
        name, alt, truth = row[:3]
        if half is not None and order[name] % 2 != half:
            continue
        top, boosted = decide(row, rule)
        flagged = any(t[3] for t in top)
        if truth >= 0:
            found = any(t[2] == truth and t[3] for t in top)
            a = per.setdefault(alt, [0, 0]); a[0] += found; a[1] += 1
        else:
            dist += 1; dist_flag += flagged
            if name not in derived:
                unrel += 1; unrel_flag += flagged
                if flagged:
                    flags.append((name, alt, next(t for t in top if t[3])[2], boosted))
    rec = {a: v[0] / v[1] for a, v in per.items()}
    mean = sum(rec.values()) / len(rec)
    return mean, rec, (dist_flag, dist), (unrel_flag, unrel), flags
