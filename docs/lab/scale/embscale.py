"""Lab: the embedding's shortlist in a registry of 213 + N generated fillers.

Sign-code Hamming top 15 (as the index does) vs float cosine top 15 vs Hamming top K
re-ranked by float cosine, for every query of the suite (embeddings from embcmp.pkl,
shipped weights = index 0).
"""
import os, pickle, sys
from multiprocessing import Pool
from pathlib import Path
import numpy as np, cv2
cv2.setNumThreads(1)
sys.path.insert(0, "/work/main")
from search import embedding, match_suite as suite
from search.match_eval import pattern_files, FILLER_SEED
from search.train_embedding import network_input_of
N = int(os.environ.get("N", "10000"))
def filler(i):
    return embedding.registry_embeddings(network_input_of(suite.synthetic_texture(FILLER_SEED + i)))
if __name__ == "__main__":
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    path = f"/tmp/lab/filler_emb_{N}.npy"
    if os.path.exists(path):
        F = np.load(path)
    else:
        with Pool(2) as pool:
            F = np.stack(pool.map(filler, range(N), chunksize=32))
        np.save(path, F)
    out = dict(pickle.load(open("/tmp/lab/embcmp.pkl", "rb")))
    files = pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(files)
    regn = [p.name for p in reg]
    R = np.stack([out[n][0][1] for n in regn])
    weak = ['jpeg_30', 'market_photo', 'crop_70+jpeg_30', 'market_photo+hue_90']
    for label, RR in (("213", R), (f"213+{N}", np.concatenate([R, F]))):
        Rb = np.packbits(RR > 0, axis=2)
        res = {k: [] for k in ("ham15", "float15", "ham100>f15", "ham300>f15")}
        resw = {k: [] for k in res}
        for i, n in enumerate(regn):
            for alt, e in out[n][0][0].items():
                f = (RR @ e).max(axis=1)
                h = np.bitwise_count(Rb ^ np.packbits(e > 0)).sum(axis=2).min(axis=1)
                oh = np.lexsort((np.arange(len(h)), h))
                got = {"ham15": i in oh[:15], "float15": i in np.argsort(-f)[:15]}
                for K in (100, 300):
                    top = oh[:K]; got[f"ham{K}>f15"] = i in top[np.argsort(-f[top])][:15]
                for k, v in got.items():
                    res[k].append(v)
                    if alt in weak: resw[k].append(v)
        print(label, " ".join(f"{k} {np.mean(v):.3f} (weak {np.mean(resw[k]):.3f})" for k, v in res.items()), flush=True)
