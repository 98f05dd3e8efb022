"""Lab: replay poolw.pkl per weight, on both halves; w = 1 must equal the eval run."""
import json, os, pickle, sys
sys.path.insert(0, '/work/main'); os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
from search import engine as E
out = pickle.load(open('/tmp/lab/lead/poolw.pkl', 'rb'))
rows = {(r['file'], r['alteration']): r for r in map(json.loads, open(os.environ.get('ROWS', '/tmp/runs/rows66.jsonl')))}
ev = json.load(open('/tmp/runs/eval66.json'))
derived = set(ev['methods']['engine']['derived_distractors'])
files = sorted({r['file'] for r in rows.values()})
half_of = {f: n % 2 for n, f in enumerate(files)}


def passes(rec, w):
    chosen = rec['chosen'][w]
    al = rec['aligned']
    got = []
    for k in chosen:
        value, z = al[k]
        rivals = [al[o][1] for o in chosen if o != k] + [E.PHOTO_NULL_Z]
        if value > E.DETAIL_AT_THRESHOLD and z >= E.PHASE_RATIO * max(rivals):
            got.append(k)
    return got


for w in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 99.0):
    res = {}
    mismatch = 0
    for name, alt, truth, rec in out:
        r = rows[(name, alt)]
        if rec:
            p = passes(rec, w)
            found = truth in p
            flagged = bool(p)
            if w == 1.0 and (found != r['found'] or flagged != r['flagged']):
                mismatch += 1
        else:
            found, flagged = r['found'], r['flagged']
        h = res.setdefault(half_of[name], {'found': 0, 'reg': 0, 'uf': 0, 'u': 0, 'df': 0})
        if truth >= 0:
            h['found'] += found; h['reg'] += 1
        elif name in derived:
            h['df'] += flagged
        else:
            h['uf'] += flagged; h['u'] += 1
    line = ' | '.join(f"half {k}: found {v['found']}/{v['reg']} unrel {v['uf']}/{v['u']} derived {v['df']}" for k, v in sorted(res.items()))
    print(f'w={w}: {line}' + (f'  mismatch with eval {mismatch}' if w == 1.0 else ''))
