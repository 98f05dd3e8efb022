# python docs/lab/embedding/scales_compare.py (after scales.py): which registry and query scales
# to embed. Part 1 pairs registry x query scales; part 2 adds the 2x centre-half registry code
# (benchmarks row 19). Prints rank recall by sign-code Hamming @15, "original first by 0.1" after
# a float re-rank of the top 15, and the share of distractor queries with some design first by 0.1.
import sys, pickle, numpy as np
sys.path.insert(0, "/work/main")
from pathlib import Path
from search import match_suite as suite, embedding
from search.match_eval import pattern_files, _open
from search.train_embedding import network_input_of

files = pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(files); alts = list(suite.ALTERATIONS)
out = pickle.load(open("/tmp/lab/scales.pkl", "rb"))
Q = {n: q for n, q, _ in out}; RR = {n: r for n, _, r in out}
regn = [p.name for p in reg]; idx = {n: i for i, n in enumerate(regn)}


def crop2(p):
    x = network_input_of(_open(p)); y = embedding.rescale(x, 2); h, w = y.shape
    c = y[h // 4: h // 4 + h // 2, w // 4: w // 4 + w // 2]
    return embedding.embed(np.pad(c, 16, mode="reflect"))


# registry scale index 0=0.5, 1=1, 2=2, 3=2x centre half; query scale index 0=0.5, 1=1, 2=2
R = np.stack([RR[n] for n in regn])
R = np.concatenate([R, np.stack([crop2(p) for p in reg])[:, None]], axis=1)
Rb = np.packbits(R > 0, axis=2)


def run(pairs, label):
    def variant(e3):
        qb = np.packbits(e3 > 0, axis=1)
        h = np.min([np.bitwise_count(Rb[:, r] ^ qb[q]).sum(axis=1) for r, q in pairs], axis=0)
        f = np.max([R[:, r] @ e3[q] for r, q in pairs], axis=0)
        return f, h

    def ranked(e3):
        f, h = variant(e3)
        top = np.lexsort((np.arange(len(h)), h))[:15]
        return f, top, top[np.argsort(-f[top])]

    hm, fr, per = [], [], {a: [] for a in alts}
    for p in reg:
        i = idx[p.name]
        for alt in alts:
            f, top, re = ranked(Q[p.name][alt])
            hm.append(i in top); per[alt].append(i in top)
            fr.append(re[0] == i and f[re[0]] - f[re[1]] >= 0.1)
    ff = []
    for p in dis:
        for alt in alts:
            f, _, re = ranked(Q[p.name][alt])
            ff.append(f[re[0]] - f[re[1]] >= 0.1)
    print(f"{label:28s} ham@15 {np.mean(hm):.3f} first+0.1 {np.mean(fr):.3f} dis {np.mean(ff):.4f}",
          " ".join(f"{a[:8]}:{np.mean(v):.2f}" for a, v in per.items() if np.mean(v) < 0.95), flush=True)


# part 1: registry x query scale pairs
run([(0, 1), (1, 1), (2, 1)], "reg3 q1")
run([(1, 1), (0, 1), (1, 0)], "reg{.5,1} q{1,.5} 3 pairs")
run([(1, 1), (0, 1), (1, 0), (0, 0)], "reg{.5,1} q{1,.5} 4 pairs")
run([(1, 1), (0, 1), (1, 0), (1, 2)], "reg{.5,1} q{.5,1,2}")
run([(1, 1), (0, 1)], "reg{.5,1} q1")
# part 2: the 2x centre half instead of the whole 2x image, query at 1x
run([(0, 1), (1, 1), (3, 1)], "reg .5,1,2crop q1")
run([(1, 1), (3, 1)], "reg 1,2crop q1")
run([(1, 1), (2, 1)], "reg 1,2 q1")
