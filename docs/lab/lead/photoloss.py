"""Lab: where the registered market photos eval_match still misses are lost with item
20-21's engine: no photo stage (something else matched), the original not among the
designs aligned, aligned without passing, or passing but withdrawn by the stand-out rule.
Needs an `eval_match --photo 3 --rows` run (ROWS, default /tmp/runs/rows66.jsonl)."""
import json, os, sys, collections
sys.path.insert(0, '/work/main'); os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
import multiprocessing
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
paths = me.pattern_files(Path('/work/shared/patterns')); reg, _ = suite.split(paths)
by_name = {p.name: p for p in paths}
REG = {}
POOL = {}


def one(job):
    name, alt = job
    fps, index = REG['fps'], REG['index']
    truth = [p.name for p in reg].index(name)
    q = me._query_fingerprint(suite.alter(me._open(by_name[name]), name, alt))
    log = {}
    real = E.photo_alignment

    def spy(query, cand, **kw):
        a = real(query, cand, **kw)
        key = next(k for k, f in fps.items() if f is cand)
        log[key] = a
        return a
    E.photo_alignment = spy
    real_photographed = E._photographed

    def where(query, scored, got, cosines, hamming, group_of, designs):
        # The original's place in _photographed's ranking: not fetched, outside the
        # embedding's PHOTO_POOL nearest of the fetched, or its rank in the pool.
        if truth not in got:
            POOL['where'] = 'not fetched'
        else:
            rest = [k for k in got if k not in cosines]
            by_key = cosines | dict(zip(rest, E.embedding_similarities(query, [got[k] for k in rest]).tolist()))
            keys = list(got)
            nearest = E.np.argsort(-E.np.array([by_key[k] for k in keys]), kind='stable')
            pool = [keys[n] for n in nearest[:E.PHOTO_POOL]]
            if truth not in pool:
                POOL['where'] = 'fetched, not in pool'
            else:
                pq = E._PhotoQuery.of(query)
                spectral = E.np.array([pq.agreement(got[k]).max() for k in pool])
                emb = E.np.array([by_key[k] for k in pool])
                rank = E._spreads(spectral) + E._spreads(emb)
                order = [pool[n] for n in E.np.argsort(-rank, kind='stable')]
                POOL['where'] = f'pool rank {order.index(truth) + 1}'
        return real_photographed(query, scored, got, cosines, hamming, group_of, designs)
    E._photographed = where
    POOL.clear()
    try:
        res = E.match(q, index, lambda ks: {k: fps[k] for k in ks}, photo=3)
    finally:
        E.photo_alignment = real
        E._photographed = real_photographed
    if not log:
        return name, alt, 'no photo stage (something else matched)', None
    if truth not in log:
        return name, alt, 'original not aligned', POOL.get('where')
    a = log[truth]
    if a.value <= E.DETAIL_AT_THRESHOLD:
        return name, alt, 'aligned, no passing map', round(a.z, 1)
    return name, alt, 'passed, withdrawn by the stand-out rule', round(a.z, 1)


if __name__ == '__main__':
    me._single_thread()
    rows = [json.loads(l) for l in open(os.environ.get('ROWS', '/tmp/runs/rows66.jsonl'))]
    jobs = [(r['file'], r['alteration']) for r in rows if r['truth'] >= 0 and not r['found'] and r['alteration'].startswith('market_photo')]
    fps = {k: me._fingerprint_array(me._open(p)) for k, p in enumerate(reg)}
    index = E.MatchIndex()
    for k, f in fps.items(): index.add(k, f.vector)
    REG.update(fps=fps, index=index)
    with multiprocessing.get_context('fork').Pool(2, initializer=me._single_thread) as pool:
        out = pool.map(one, jobs, chunksize=2)
    print(len(jobs), 'missed registered market photos')
    print(collections.Counter(o[2] for o in out))
    print(collections.Counter(str(o[3]) for o in out if o[2] == 'original not aligned'))
    for o in out:
        if o[3] is not None: print('  ', o)
