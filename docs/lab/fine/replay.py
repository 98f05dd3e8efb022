"""Lab: replay pool_<TAG>.pkl under photo-stage rules: N designs aligned (the first N of
the K dumped), a pass rule and a stand-out rule; found / flagged by file half (ROWS gives
what the rest of the engine did: a query whose photo stage did not run keeps its row)."""
import json, os, pickle, sys, itertools
import numpy as np
sys.path.insert(0, '/work/main'); os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
from search import engine as E
out = pickle.load(open(sys.argv[1], 'rb'))
rows = {(r['file'], r['alteration']): r for r in map(json.loads, open(os.environ.get('ROWS', '/tmp/runs/base.jsonl')))}
ev = json.load(open(os.environ.get('EVAL', '/tmp/runs/base.json')))
derived = set(ev['methods']['engine']['derived_distractors'])
files = sorted({r['file'] for r in rows.values()})
half_of = {f: n % 2 for n, f in enumerate(files)}


def value(a, close_ncc=E.DETAIL_CLOSE):
    al = E._Alignment(**{k: a[k] for k in ("z", "ncc", "inverted", "coverage", "lp_z", "lp_ncc", "turn")})
    if close_ncc == E.DETAIL_CLOSE:
        return al.value
    v = al.value
    if v == 0 and a["z"] >= E.DETAIL_Z_CLOSE and a["ncc"] >= close_ncc:
        v = a["ncc"]
    return v


def passes(rec, n, ratio=E.PHASE_RATIO, null=E.PHOTO_NULL_Z, close_ncc=E.DETAIL_CLOSE, rival_n=None):
    chosen = rec['chosen'][:n]
    al = rec['aligned']
    got = []
    rivals_of = chosen if rival_n is None else rec['chosen'][:rival_n]
    for k in chosen:
        rivals = [al[o]['z'] for o in rivals_of if o != k] + [null]
        if value(al[k], close_ncc) > E.DETAIL_AT_THRESHOLD and al[k]['z'] >= ratio * max(rivals):
            got.append(k)
    return got


def run(**kw):
    res = {h: dict(found=0, reg=0, uf=0, u=0, df=0) for h in (0, 1)}
    for name, alt, truth, rec in out:
        r = rows[(name, alt)]
        if rec:
            p = passes(rec, **kw)
            found, flagged = truth in p, bool(p)
        else:
            found, flagged = r['found'], r['flagged']
        h = res[half_of[name]]
        if truth >= 0:
            h['found'] += found; h['reg'] += 1
        elif name in derived:
            h['df'] += flagged
        else:
            h['uf'] += flagged; h['u'] += 1
    return res


def show(label, res):
    f = sum(v['found'] for v in res.values()); u = sum(v['uf'] for v in res.values())
    print(f"{label:40s} found {f:3d} ({res[0]['found']}/{res[1]['found']})  unrelated flags {u} ({res[0]['uf']}/{res[1]['uf']})  derived {sum(v['df'] for v in res.values())}")


if __name__ == '__main__':
    base = {(r['file'], r['alteration']): r for r in rows.values()}
    f = sum(r['found'] for r in base.values() if r['truth'] >= 0)
    print("eval rows found", f)
    for n in (3, 4, 5, 6):
        show(f"n={n}", run(n=n))
    for n, ratio, null in itertools.product((3, 5), (2.0, 2.5), (5.0, 4.0)):
        show(f"n={n} ratio={ratio} null={null}", run(n=n, ratio=ratio, null=null))
    for n, c in itertools.product((3, 5), (0.5, 0.45, 0.4)):
        show(f"n={n} close_ncc={c}", run(n=n, close_ncc=c))
