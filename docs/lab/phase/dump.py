"""Lab: every verified candidate's evidence for every eval_match query (for fusing rules)."""
import multiprocessing, os, pickle, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, os.environ.get('LAB_ROOT', '/work/main'))
import django, os
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings'); django.setup()
from search import match_eval as me, match_suite as suite, engine, fingerprint as fp

FOLDER = Path('/work/main/../shared/patterns')
files = me.pattern_files(FOLDER)
registered, distractors = suite.split(files)
REG = {}

def one(job):
    path, alt, truth = job
    rgb = suite.alter(me._open(path), path.name, alt)
    q = me._query_fingerprint(rgb)
    index, fps = REG['index'], REG['fps']
    k = engine.SHORTLIST
    first, emb = index.shortlists(q, k, engine.EMBED_SHORTLIST)
    keys = [key for key, _ in first][:k]
    for key, _ in emb[:engine.EMBED_SHORTLIST]:
        if key not in keys: keys.append(key)
    cands = [fps[key] for key in keys]
    ev = engine.verify_many(q, cands)
    cos = engine.embedding_similarities(q, cands)
    leader = engine.embedding_lead(cos, list(range(len(keys))))[0]
    cosg = [float(cos[n] - max([cos[m] for m in range(len(keys)) if m != n], default=0.0)) for n in range(len(keys))]
    rows = [(key, e.count, e.correlation, e.corr_runner_up, e.phase, e.phase_runner_up, float(cos[n]), n == leader, engine.score_of(e), cosg[n], e.corr_z) for n, (key, e) in enumerate(zip(keys, ev))]
    return path.name, alt, truth, rows

if __name__ == '__main__':
    me._single_thread()
    index = engine.MatchIndex(); fps = {}
    for key, p in enumerate(registered):
        fps[key] = me._fingerprint_array(me._open(p)); index.add(key, fps[key].vector)
    REG.update(index=index, fps=fps)
    print('registered', len(fps), flush=True)
    jobs = [(p, a, registered.index(p) if p in registered else -1) for p in files for a in suite.ALTERATIONS]
    out = []
    with multiprocessing.get_context('fork').Pool(2, initializer=me._single_thread) as pool:
        for n, r in enumerate(pool.imap_unordered(one, jobs, chunksize=4)):
            out.append(r)
            if n % 500 == 0: print(n, __import__('time').strftime('%H:%M:%S'), flush=True)
    pickle.dump({'rows': out, 'registered': [p.name for p in registered]}, open(os.environ.get('DUMP', '/tmp/lab/dump.pkl'), 'wb'))
    print('done', flush=True)
