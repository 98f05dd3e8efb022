# python docs/lab/embedding/scales.py (from /work/main; ~8 min on 2 cores, writes /tmp/lab/scales.pkl)
"""Which side carries the scales? registry 3 scales/query 1x vs registry 1x/query 3 scales."""
import sys, pickle, os
from multiprocessing import Pool
from pathlib import Path
import numpy as np, cv2
sys.path.insert(0, "/work/main")
from search import embedding, match_suite as suite
from search.match_eval import pattern_files, _open
from search.train_embedding import network_input_of, is_training_design
files = pattern_files(Path("/work/shared/patterns"))
reg, dis = suite.split(files)
alts = list(suite.ALTERATIONS)
S = (0.5, 1.0, 2.0)
def one(p):
    net = embedding.network()
    a = _open(p)
    q = {}
    for alt in alts:
        x = network_input_of(suite.alter(a, p.name, alt))
        q[alt] = np.stack([embedding.embed(embedding.rescale(x, f), net) for f in S])
    r = embedding.registry_embeddings(network_input_of(a), net)
    return p.name, q, r
if __name__ == "__main__":
    cv2.setNumThreads(1); os.environ["OPENBLAS_NUM_THREADS"] = "1"
    with Pool(2) as pool:
        out = pool.map(one, files, chunksize=4)
    pickle.dump(out, open("/tmp/lab/scales.pkl", "wb"))
    Q = {n: q for n, q, _ in out}; RR = {n: r for n, _, r in out}
    regn = [p.name for p in reg]; idx = {n: i for i, n in enumerate(regn)}
    R = np.stack([RR[n] for n in regn])
    Rb = np.packbits(R > 0, axis=2)
    def variant(e3, mode):
        qb = np.packbits(e3 > 0, axis=1)  # 3,16
        if mode == "reg3q1":
            h = np.bitwise_count(Rb ^ qb[1]).sum(axis=2).min(axis=1); f = (R @ e3[1]).max(axis=1)
        elif mode == "reg1q3":
            h = np.bitwise_count(Rb[:, 1][:, None] ^ qb[None]).sum(axis=2).min(axis=1); f = (R[:, 1] @ e3.T).max(axis=1)
        elif mode == "reg1q1":
            h = np.bitwise_count(Rb[:, 1] ^ qb[1]).sum(axis=1); f = R[:, 1] @ e3[1]
        return f, h
    for mode in ("reg3q1", "reg1q3", "reg1q1"):
        for label, group in (("unseen", [p for p in reg if not is_training_design(p.name)]), ("all", reg)):
            hm, rr, fr, per = [], [], [], {a: [] for a in alts}
            for p in group:
                i = idx[p.name]
                for alt in alts:
                    f, h = variant(Q[p.name][alt], mode)
                    oh = np.lexsort((np.arange(len(h)), h)); hm.append(i in oh[:15]); per[alt].append(i in oh[:15])
                    top = oh[:15]; re = top[np.argsort(-f[top])]
                    fr.append(re[0] == i and f[re[0]] - f[re[1]] >= 0.1)
            print(mode, label, f"ham@15 {np.mean(hm):.3f} first+0.1(top15 rerank) {np.mean(fr):.3f}", " ".join(f"{a[:8]}:{np.mean(v):.2f}" for a, v in per.items()) if label == "all" else "", flush=True)
        ff = []
        for p in dis:
            for alt in alts:
                f, h = variant(Q[p.name][alt], mode)
                oh = np.lexsort((np.arange(len(h)), h)); top = oh[:15]; re = top[np.argsort(-f[top])]
                ff.append(f[re[0]] - f[re[1]] >= 0.1)
        print(mode, f"distractors first+0.1 {np.mean(ff):.4f}", flush=True)
