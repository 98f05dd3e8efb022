"""Can 128-bit sign codes stand in for float embeddings in a million-design index?

python docs/lab/embedding/codes.py WEIGHTS.npz  (from /work/main; writes /tmp/lab/codes.pkl)
Registry: search.embedding.registry_embeddings (3 scales); query: embed at 1x.
Prints rank recall@15 with float cosine over all registered designs, with min-over-scales
Hamming of the sign codes, and with Hamming top-N re-ranked by float cosine; and how
often the original is first with a 0.1 margin (row 17's condition) each way.
"""
import sys, pickle, os
from multiprocessing import Pool
from pathlib import Path
import numpy as np, cv2
sys.path.insert(0, "/work/main")
from search import embedding, match_suite as suite
from search.match_eval import pattern_files, _open
from search.train_embedding import network_input_of, is_training_design

W = Path(sys.argv[1])
files = pattern_files(Path("/work/shared/patterns"))
reg, dis = suite.split(files)
alts = list(suite.ALTERATIONS)

def one(p):
    net = embedding.network(W)  # cached per process
    a = _open(p)
    q = {alt: embedding.embed(network_input_of(suite.alter(a, p.name, alt)), net) for alt in alts}
    r = embedding.registry_embeddings(network_input_of(a), net)
    return p.name, q, r

if __name__ == "__main__":
    cv2.setNumThreads(1); os.environ["OPENBLAS_NUM_THREADS"] = "1"
    with Pool(2) as pool:
        out = pool.map(one, files, chunksize=4)
    Q = {n: q for n, q, _ in out}; RR = {n: r for n, _, r in out}
    regn = [p.name for p in reg]
    R = np.stack([RR[n] for n in regn])  # n, 3, 128
    Rb = np.packbits(R > 0, axis=2)  # n, 3, 16
    pickle.dump({"Q": Q, "R": R, "regn": regn}, open("/tmp/lab/codes.pkl", "wb"))
    idx = {n: i for i, n in enumerate(regn)}
    def ranks(e):
        f = (R @ e).max(axis=1)
        qb = np.packbits(e > 0)
        h = np.bitwise_count(Rb ^ qb).sum(axis=2).min(axis=1)
        return f, h
    for label, group in (("seen", [p for p in reg if is_training_design(p.name)]), ("unseen", [p for p in reg if not is_training_design(p.name)]), ("all", reg)):
        fl, hm, rr, first_f, first_r = [], [], [], [], []
        for p in group:
            i = idx[p.name]
            for alt in alts:
                f, h = ranks(Q[p.name][alt])
                of = np.argsort(-f); fl.append(i in of[:15])
                oh = np.lexsort((np.arange(len(h)), h)); hm.append(i in oh[:15])
                top = oh[:50]; re = top[np.argsort(-f[top])]; rr.append(i in re[:15])
                first_f.append(of[0] == i and f[of[0]] - f[of[1]] >= 0.1)
                first_r.append(re[0] == i and f[re[0]] - f[re[1]] >= 0.1)
        print(f"{label:7s} n={len(fl)} float@15 {np.mean(fl):.3f} hamming@15 {np.mean(hm):.3f} ham50->float@15 {np.mean(rr):.3f} first+0.1 float {np.mean(first_f):.3f} rerank {np.mean(first_r):.3f}")
    ff, fr = [], []
    for p in dis:
        for alt in alts:
            f, h = ranks(Q[p.name][alt])
            of = np.argsort(-f); ff.append(f[of[0]] - f[of[1]] >= 0.1)
            oh = np.lexsort((np.arange(len(h)), h)); top = oh[:50]; re = top[np.argsort(-f[top])]
            fr.append(f[re[0]] - f[re[1]] >= 0.1)
    print(f"distractors: first+0.1 float {np.mean(ff):.4f} rerank {np.mean(fr):.4f}")
