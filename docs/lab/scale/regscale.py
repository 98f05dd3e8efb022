"""Lab: does the engine cry wolf more when the registry is larger? (rows 33-34)

The 213 registered designs of the pattern folder plus N generated fillers
(match_suite.synthetic_texture, seeds from 1,000,000, never a training seed) are the
registry; every EVERY-th file of the folder is queried under every alteration, as
eval_match does. Prints recall@5 and flagged distractor queries with and without the
fillers, each with the engine's item 11 off and on (CORRELATION_SHARP 0 / 3), and how
many flags (of registered or distractor queries) went to a filler. Row 33 is the
"item 11 off" lines of OFFSET=0 (the even half), row 34's held-out check OFFSET=1.

    N=10000 EVERY=2 OFFSET=0 python regscale.py
"""
import multiprocessing, os, pickle, sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, os.environ.get('LAB_ROOT', '/work/main'))
import django
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings'); django.setup()
from search import match_eval as me, match_suite as suite, engine

N = int(os.environ.get('N', '10000')); EVERY = int(os.environ.get('EVERY', '2')); OFFSET = int(os.environ.get('OFFSET', '0'))
CONFIGS = [('small', 0.0), ('small', 3.0), ('large', 0.0), ('large', 3.0)]  # (registry, CORRELATION_SHARP; 0 = item 11 off)
files = me.pattern_files(Path('/work/shared/patterns'))
registered, distractors = suite.split(files)
der = {'subtle-little_pluses.jpg', 'subtle-white_texture.png', 'subtle-perforated_white_leather.png', 'subtle-tweed.png', 'subtle-binding_dark.png', 'subtle-triangular.png'}
REG = {}

def filler(i):
    return me._fingerprint_array(suite.synthetic_texture(1_000_000 + i))

def one(job):
    path, alt, truth = job
    q = me._query_fingerprint(suite.alter(me._open(path), path.name, alt))
    out = []
    for label, sharp in CONFIGS:
        engine.CORRELATION_SHARP = sharp
        index, fps = REG[label]
        res = engine.match(q, index, lambda keys: {k: fps[k] for k in keys})[:5]
        flagged = [r.key for r in res if r.is_match]
        out.append((truth >= 0 and truth in flagged, bool(flagged), any(k >= 100_000 for k in flagged), [(r, engine.verify_many(q, [fps[r.key]])[0].corr_z) for r in res if r.is_match and r.key >= 100_000]))
    return path.name, alt, truth, out

if __name__ == '__main__':
    me._single_thread()
    t0 = time.time()
    with multiprocessing.get_context('fork').Pool(2, initializer=me._single_thread) as pool:
        reg_fps = pool.map(me._fingerprint_array, [me._open(p) for p in registered], chunksize=4)
        fill = []
        for i, f in enumerate(pool.imap(filler, range(N), chunksize=16)):
            fill.append(f)
            if i % 1000 == 0: print('fillers', i, N, f'{time.time() - t0:.0f}s', flush=True)
    small, large = engine.MatchIndex(), engine.MatchIndex()
    fps_small = {k: f for k, f in enumerate(reg_fps)}
    fps_large = dict(fps_small) | {100_000 + i: f for i, f in enumerate(fill)}
    for k, f in fps_small.items(): small.add(k, f.vector)
    for k, f in fps_large.items(): large.add(k, f.vector)
    REG.update(small=(small, fps_small), large=(large, fps_large))
    jobs = [(p, a, registered.index(p) if p in registered else -1) for p in files[OFFSET::EVERY] for a in suite.ALTERATIONS]
    rows = []
    with multiprocessing.get_context('fork').Pool(2, initializer=me._single_thread) as pool:
        for n, r in enumerate(pool.imap_unordered(one, jobs, chunksize=4)):
            rows.append(r)
            if n % 500 == 0: print('queries', n, len(jobs), f'{time.time() - t0:.0f}s', flush=True)
    pickle.dump(rows, open(f'/tmp/lab/regscale_{N}_{OFFSET}.pkl', 'wb'))
    for i, label in enumerate([f'{r} registry, CORRELATION_SHARP {c}' for r, c in CONFIGS]):
        per = {}
        for f, a, t, o in rows:
            if t >= 0: per.setdefault(a, []).append(o[i][0])
        dq = [o[i] for f, a, t, o in rows if t < 0]
        uq = [o[i] for f, a, t, o in rows if t < 0 and f not in der]
        tofill = sum(o[i][2] for f, a, t, o in rows)
        print(f'{label}: recall@5 {np.mean([np.mean(v) for v in per.values()]):.4f}, distractor queries flagged {np.mean([x[1] for x in dq]):.4f} ({sum(x[1] for x in dq)}/{len(dq)}), unrelated {np.mean([x[1] for x in uq]):.4f} ({sum(x[1] for x in uq)}/{len(uq)}), flags on a filler {tofill}')
