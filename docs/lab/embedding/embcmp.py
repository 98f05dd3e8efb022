"""Compare embedding weights on every query of the suite (rank, lead, distractor leads).

python embcmp.py A.npz B.npz ...   (~8 min per run on 2 cores, all weights in one pass)
"""
import sys, os, pickle
from multiprocessing import Pool
from pathlib import Path
import numpy as np, cv2
cv2.setNumThreads(1)
sys.path.insert(0, "/work/main")
from search import embedding, match_suite as suite
from search.match_eval import pattern_files, _open
from search.train_embedding import network_input_of, is_training_design
WS = [Path(w) for w in sys.argv[1:]]
files = pattern_files(Path("/work/shared/patterns"))
reg, dis = suite.split(files)
alts = list(suite.ALTERATIONS)
def one(p):
    nets = [embedding.network(w) for w in WS]
    a = _open(p)
    xs = {alt: network_input_of(suite.alter(a, p.name, alt)) for alt in alts}
    x0 = network_input_of(a)
    return p.name, [({alt: embedding.embed(x, n) for alt, x in xs.items()}, embedding.registry_embeddings(x0, n)) for n in nets]
if __name__ == "__main__":
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    with Pool(2) as pool:
        out = pool.map(one, files, chunksize=4)
    pickle.dump(out, open("/tmp/lab/embcmp.pkl", "wb"))
    regn = [p.name for p in reg]; idx = {n: i for i, n in enumerate(regn)}
    O = {n: v for n, v in out}
    weak = ['jpeg_30', 'market_photo', 'crop_70+jpeg_30', 'market_photo+hue_90']
    for wi, w in enumerate(WS):
        R = np.stack([O[n][wi][1] for n in regn])
        res = {}
        for label, group in (("seen", [p for p in reg if is_training_design(p.name)]), ("unseen", [p for p in reg if not is_training_design(p.name)])):
            r1, l1, r15, perw = [], [], [], {a: [] for a in weak}
            for p in group:
                i = idx[p.name]
                for alt in alts:
                    f = (R @ O[p.name][wi][0][alt]).max(axis=1)
                    o = np.argsort(-f)
                    r1.append(o[0] == i); r15.append(i in o[:15]); lead = o[0] == i and f[o[0]] - f[o[1]] >= 0.1
                    l1.append(lead)
                    if alt in weak: perw[alt].append(lead)
            res[label] = f"@1 {np.mean(r1):.3f} @15 {np.mean(r15):.3f} lead0.1 {np.mean(l1):.3f} weak-lead " + " ".join(f"{np.mean(v):.2f}" for v in perw.values())
        dm = []
        for p in dis:
            for alt in alts:
                f = np.sort((R @ O[p.name][wi][0][alt]).max(axis=1))[::-1]
                dm.append(f[0] - f[1])
        dm = np.array(dm)
        print(w.name, "| seen", res["seen"], "| unseen", res["unseen"], f"| distractor lead>=0.1 {np.mean(dm>=.1):.3f} >=0.2 {np.mean(dm>=.2):.3f} >=0.3 {np.mean(dm>=.3):.4f}", flush=True)
