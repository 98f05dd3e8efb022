"""Dump per-candidate evidence over shortlist = engine 30 ∪ embedding top-K."""
import sys, pickle
from multiprocessing import Pool
import numpy as np
sys.path.insert(0, "/tmp/lab"); sys.path.insert(0, "/work/main")
from common import reg, dis, suite
from search import engine
from search.fingerprint import Fingerprint
EK = int(sys.argv[2]) if len(sys.argv) > 2 else 15
F = pickle.load(open("/tmp/lab/fps.pkl", "rb"))
d = pickle.load(open(sys.argv[1], "rb")); R, E, regn = d["R"], d["E"], d["regn"]
RF = [Fingerprint.from_bytes(F[n]["original"]) for n in regn]
index = engine.MatchIndex()
index.load(np.arange(len(regn), dtype=np.int64), np.stack([np.frombuffer(f.vector, np.uint8) for f in RF]))
def one(job):
    name, alt = job
    q = Fingerprint.from_bytes(F[name][alt])
    sims = (R @ E[(name, alt)]).max(axis=1)
    eorder = np.argsort(-sims)
    cands = [k for k, _ in index.candidates(q, engine.SHORTLIST)]
    keys = list(dict.fromkeys(cands + [int(k) for k in eorder[:EK]]))
    ev = engine.verify_many(q, [RF[k] for k in keys])
    erank = np.empty(len(sims), int); erank[eorder] = np.arange(len(sims))
    rows = []
    for k, e in zip(keys, ev):
        other = np.delete(sims, k).max()
        rows.append((k, e.count, e.correlation, e.corr_runner_up, engine.score_of(e), float(sims[k]), float(sims[k] - other), int(erank[k]), k in cands))
    return (name, alt), rows
if __name__ == "__main__":
    jobs = [(p.name, a) for p in reg + dis for a in suite.ALTERATIONS]
    with Pool(2) as pool:
        out = dict(pool.map(one, jobs, chunksize=20))
    pickle.dump({"rows": out, "regn": regn}, open(sys.argv[1] + f".fuse{EK}.pkl", "wb"))
