"""Lab: the photo stage's rules replayed over a full eval_match run made with
photolog.patch (each row's `photo_log`: every aligned design's key, peak and value, in
the order the pool ranks them). For n designs aligned (n <= the run's --photo) and a
stand-out ratio: recall@5 per alteration, the mean, unrelated distractor queries flagged,
by file half too. The run's own n and ratio must replay its rows exactly.
Args: ROWS EVAL_JSON [n:ratio[:nonpass] ...]; nonpass: a rival that passes the detail rule
itself does not count as a rival (siblings such as leather_1 / white_leather). Copied from
docs/lab/fine for engine item 26's run (--photo 3)."""
import json, sys, collections
import numpy as np

rows = [json.loads(l) for l in open(sys.argv[1])]
ev = json.load(open(sys.argv[2]))
derived = set(ev['methods']['engine']['derived_distractors'])
files = sorted({r['file'] for r in rows})
half_of = {f: n % 2 for n, f in enumerate(files)}
AT, NULL = 0.3, 5.0


def passes(log, n, ratio, nonpass=False):
    chosen = log[:n]
    got = []
    for k, z, v in chosen:
        rivals = [zo for ko, zo, vo in chosen if ko != k and not (nonpass and vo > AT)] + [NULL]
        if v > AT and z >= ratio * max(rivals):
            got.append(k)
    return got


def run(n, ratio, nonpass=False):
    per = collections.defaultdict(list)
    flags = {0: 0, 1: 0}; unrelated = 0; dflags = 0
    for r in rows:
        if r.get('photo_log'):
            p = passes(r['photo_log'][0], n, ratio, nonpass)
            found, flagged = r['truth'] in p, bool(p)
        else:
            found, flagged = r['found'], r['flagged']
        if r['truth'] >= 0:
            per[r['alteration']].append(found)
        elif r['file'] in derived:
            dflags += flagged
        else:
            unrelated += 1; flags[half_of[r['file']]] += flagged
    recall = {a: float(np.mean(v)) for a, v in per.items()}
    return recall, flags, unrelated, dflags


specs = sys.argv[3:] or ['5:2.0']
for spec in specs:
    n, ratio = int(spec.split(':')[0]), float(spec.split(':')[1])
    nonpass = spec.endswith(':nonpass')
    recall, flags, unrelated, dflags = run(n, ratio, nonpass)
    low = sorted(recall.items(), key=lambda t: t[1])[:3]
    print(f"n={n} ratio={ratio}{' nonpass' if nonpass else ''}: mean {np.mean(list(recall.values())):.4f}  market {recall.get('market_photo', 0):.3f} / "
          f"{recall.get('market_photo+hue_90', 0):.3f}  unrelated flagged {sum(flags.values())}/{unrelated} "
          f"(halves {flags[0]}/{flags[1]})  derived flagged {dflags}  lowest {[(a, round(v, 3)) for a, v in low]}")
# The run's own rule (env-free: n = the run's --photo, PHOTO_STAND_OUT 2.0) replays it.
own = int(ev.get('photo') or 3)
mismatch = sum(
    1 for r in rows if r.get('photo_log') and (
        (r['truth'] in passes(r['photo_log'][0], own, 2.0)) != r['found']
        or bool(passes(r['photo_log'][0], own, 2.0)) != r['flagged']))
print(f"rows replayed at n={own} ratio=2.0 unlike the run: {mismatch}")
