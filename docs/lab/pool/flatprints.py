"""Lab (row 97): does the photo stage cry wolf on flat-colour prints? The folder is mostly
faint textures; bench_match's ellipse prints (match_suite.synthetic_pattern) showed
unrelated flat prints passing the photo detail rule. Registry: the folder's registered
files plus FLAT flat prints (seeds 10000+); queries, with the photo option as shipped
(engine.match(photo=PHOTO)): market photos of QUERIES unregistered flat prints (seeds
20000+: any flag is a false match) and of QUERIES registered ones (found = the original
flagged among the first 5). Env WT, FLAT (150), QUERIES (60), PHOTO (3), PROCS (2)."""
import os, sys
sys.path.insert(0, os.environ.get("WT", "/work/main"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings")
import django; django.setup()
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, engine as E

me._single_thread()
FLAT, QUERIES = int(os.environ.get("FLAT", "150")), int(os.environ.get("QUERIES", "60"))
PHOTO = int(os.environ.get("PHOTO", "3"))


def flat(seed):
    rng = np.random.default_rng(seed)
    return suite.synthetic_pattern(seed, 700, int(rng.integers(150, 351)))


files = me.pattern_files(Path("/work/shared/patterns"))
registered, _ = suite.split(files)
index = E.MatchIndex(); fps = {}
for key, p in enumerate(registered):
    fps[key] = me._fingerprint_array(me._open(p)); index.add(key, fps[key].vector)
first_flat = len(fps)
for i in range(FLAT):
    key = first_flat + i
    fps[key] = me._fingerprint_array(flat(10_000 + i)); index.add(key, fps[key].vector)
print(len(fps), "registered", flush=True)


def one(job):
    kind, seed, truth = job
    q = me._query_fingerprint(suite.alter(flat(seed), f"flat-{seed}", "market_photo"))
    found = E.match(q, index, lambda keys: {k: fps[k] for k in keys}, photo=PHOTO)
    hits = [(r.key, r.alteration, r.score) for r in found if r.is_match]
    return kind, seed, truth, hits  # match() returns the first 5


if __name__ == "__main__":
    jobs = [("unregistered", 20_000 + i, -1) for i in range(QUERIES)]
    jobs += [("registered", 10_000 + i, first_flat + i) for i in range(QUERIES)]
    with Pool(int(os.environ.get("PROCS", "2"))) as pool:
        out = pool.map(one, jobs, chunksize=1)
    false = [(s, h) for k, s, t, h in out if k == "unregistered" and h]
    found = [s for k, s, t, h in out if k == "registered" and t in [x[0] for x in h]]
    print(f"unregistered flat-print photos flagged: {len(false)} of {QUERIES}")
    for s, h in false:
        print("  ", s, h)
    print(f"registered flat-print photos found: {len(found)} of {QUERIES}")
    print("  by the photo stage:", sum(1 for k, s, t, h in out if k == "registered"
                                       and any(x[0] == t and x[1] == "photographed" for x in h)))
