"""Lab: every query's verified candidates with the lead rules' inputs, and the photo
stage's passes wherever it would run when the lead rules are taken away.

engine.match() of the shipped engine (photo=3), split where the lead rules act: each
candidate's score without them (score_of), places, counted correlation, whitened peak,
embedding cosine, hamming; the query's embedding leader and its raw margin; and the
photo stage's passes (run when no candidate beats the threshold without the lead
rules, as it would under any variant of them). Output: /tmp/lab/lead/dump.pkl.
"""
import multiprocessing, os, pickle, sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, '/work/main')
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
from search import match_eval as me, match_suite as suite, engine as E, fingerprint as fp

FOLDER = Path('/work/shared/patterns')
PHOTO = 3
REG = {}


def one(job):
    path, alt, truth = job
    index, fps = REG['index'], REG['fps']
    rgb = suite.alter(me._open(path), path.name, alt)
    query = me._query_fingerprint(rgb)
    shortlist, embedded, detail_only = E.SHORTLIST, E.EMBED_SHORTLIST, E.EMBED_DETAIL_SHORTLIST
    k = shortlist
    by_embedding = embedded + detail_only
    first, nearest_embedded = index.shortlists(query, k, -(-k * by_embedding // shortlist))
    keys = [key for key, _d in first][:shortlist]
    chosen = set(keys)
    embedded_keys = [key for key, _d in nearest_embedded]
    for key in embedded_keys[:embedded]:
        if key not in chosen:
            chosen.add(key); keys.append(key)
    extra = [key for key in embedded_keys[embedded:by_embedding] if key not in chosen]
    got = {key: fps[key] for key in keys + extra}
    keys += E._aligned_in_detail(query, extra, got)
    evidence = E.verify_many(query, [got[key] for key in keys], list(range(len(keys))))
    cosines = E.embedding_similarities(query, [got[key] for key in keys])
    hamming = {key: d for key, d in first}
    for key, d in nearest_embedded:
        hamming.setdefault(key, fp.VECTOR_BITS + d)
    best = int(np.argmax(cosines)) if len(cosines) else -1
    margin = float(cosines[best] - max([c for n, c in enumerate(cosines) if n != best], default=0.0)) if best >= 0 else 0.0
    cands = []
    scored = []
    for n, (key, ev) in enumerate(zip(keys, evidence)):
        s = E.score_of(ev)
        cands.append((key, s, ev.count, ev.correlation_counted, ev.phase, float(cosines[n]), hamming[key], ev))
        r = E.Result(key, round(s, 4), s > E.MATCH_THRESHOLD, None, embedding=round(float(cosines[n]), 4))
        scored.append((-s, hamming[key], key, r))
    photo = {}
    if not any(row[3].is_match for row in scored):
        known = dict(zip(keys, cosines.tolist()))
        after = E._photographed(query, scored, got, known, hamming, lambda key: key, PHOTO)
        photo = {row[2]: row[3].score for row in after if row[3].alteration == 'photographed'}
    slim = [(c[0], c[1], c[2], c[3], c[4], c[5], c[6], E.describe(c[7]) if c[1] > E.MATCH_THRESHOLD else None, E.describe(c[7])) for c in cands]
    return path.name, alt, truth, best, margin, slim, photo


if __name__ == '__main__':
    me._single_thread()
    files = me.pattern_files(FOLDER)
    registered, distractors = suite.split(files)
    index = E.MatchIndex(); fps = {}
    for key, p in enumerate(registered):
        fps[key] = me._fingerprint_array(me._open(p)); index.add(key, fps[key].vector)
    REG.update(index=index, fps=fps)
    print('registered', len(fps), time.strftime('%H:%M:%S'), flush=True)
    every = int(os.environ.get('EVERY', '1'))
    jobs = [(p, a, registered.index(p) if p in registered else -1) for n, p in enumerate(files) if n % every == 0 for a in suite.ALTERATIONS if not os.environ.get('ALTS') or a in os.environ['ALTS'].split(',')]
    out = []
    with multiprocessing.get_context('fork').Pool(2, initializer=me._single_thread) as pool:
        for n, r in enumerate(pool.imap_unordered(one, jobs, chunksize=4)):
            out.append(r)
            if n % 250 == 0: print(n, len(jobs), time.strftime('%H:%M:%S'), flush=True)
    pickle.dump({'rows': out, 'registered': [p.name for p in registered], 'files': [p.name for p in files]},
                open(os.environ.get('DUMP', '/tmp/lab/lead/dump.pkl'), 'wb'))
    print('done', time.strftime('%H:%M:%S'), flush=True)
