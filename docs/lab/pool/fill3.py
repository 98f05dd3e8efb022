"""Align the designs that the given rules choose but pool_all.pkl has not aligned."""
import os, sys, pickle, time
sys.path.insert(0, "/work/main"); os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
import multiprocessing
import numpy as np
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
exec('def spreads' + open('replay3.py').read().split('def evaluate')[0].split('def spreads')[1])
src = sys.argv[1]; specs = sys.argv[2:]
out = pickle.load(open(src, 'rb'))
paths = me.pattern_files(Path('/work/shared/patterns')); reg, _ = suite.split(paths)
by_name = {p.name: p for p in paths}
FIELDS = ("z", "ncc", "inverted", "coverage", "lp_z", "lp_ncc", "turn")
REG = {}
def one(job):
    i, keys = job
    name, alt, truth, rec = out[i]
    q = me._query_fingerprint(suite.alter(me._open(by_name[name]), name, alt))
    pq = E._PhotoQuery.of(q)
    res = {}
    for k in keys:
        a = E.photo_alignment(q, REG['fps'][k], quick=True, agreement=pq.agreement(REG['fps'][k]))
        res[k] = dict({f: getattr(a, f) for f in FIELDS}, value=float(a.value))
    return i, res
if __name__ == '__main__':
    me._single_thread()
    jobs = []
    for i, (name, alt, truth, rec) in enumerate(out):
        if not rec: continue
        need = set()
        for s in specs:
            rule, n, P = s.split(':')
            need |= {k for k in choose(rec, rule, int(n), int(P)) if k not in rec['aligned']}
        if need: jobs.append((i, sorted(need)))
    print(len(jobs), 'queries', sum(len(j[1]) for j in jobs), 'alignments', flush=True)
    REG['fps'] = {k: me._fingerprint_array(me._open(p)) for k, p in enumerate(reg)}
    with multiprocessing.get_context('fork').Pool(2, initializer=me._single_thread) as pool:
        for i, res in pool.imap_unordered(one, jobs):
            out[i][3]['aligned'].update(res)
    pickle.dump(out, open(src.replace('.pkl', '_f.pkl'), 'wb'))
    print('done', flush=True)
