"""Lab: the detail alignment low-passed at sigma 1 (shipped) and 2, every query of some
alterations against every registered design: does a coarser low pass separate JPEG'd
faint originals from unrelated designs?"""
import os, sys, pickle, time
sys.path.insert(0, '/work/main')
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
import multiprocessing
import numpy as np
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E
FOLDER = Path('/work/shared/patterns')
ALTS = os.environ.get('ALTS', 'jpeg_30,crop_70+jpeg_30').split(',')
SIGMAS = [float(s) for s in os.environ.get('SIGMAS', '1,2').split(',')]
REG = {}
def one(job):
    path, alt, truth = job
    rgb = suite.alter(me._open(path), path.name, alt)
    q = me._query_fingerprint(rgb)
    out = {}
    for s in SIGMAS:
        E.DETAIL_LOWPASS_SIGMA = s; E._lowpass_gain.cache_clear()
        w = E._DetailWork(q, REG['fps'], turn=False)
        w.run()
        out[s] = np.array([(a.z, a.ncc, a.lp_z, a.lp_ncc) for a in w.out], np.float32)
    return path.name, alt, truth, out
if __name__ == '__main__':
    me._single_thread()
    files = me.pattern_files(FOLDER)
    registered, distractors = suite.split(files)
    REG['fps'] = [me._fingerprint_array(me._open(p)) for p in registered]
    jobs = [(p, a, registered.index(p) if p in registered else -1) for p in files for a in ALTS]
    out = []
    with multiprocessing.get_context('fork').Pool(2, initializer=me._single_thread) as pool:
        for n, r in enumerate(pool.imap_unordered(one, jobs, chunksize=2)):
            out.append(r)
            if n % 50 == 0: print(n, len(jobs), time.strftime('%H:%M:%S'), flush=True)
    pickle.dump(out, open(os.environ.get('OUT', 'lp.pkl'), 'wb'))
