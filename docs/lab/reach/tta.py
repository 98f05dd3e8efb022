"""Lab: test-time augmentation of a market photo's query embedding: rank of the original."""
import sys, os, pickle
from multiprocessing import Pool
from pathlib import Path
import numpy as np, cv2
cv2.setNumThreads(1)
sys.path.insert(0, "/work/main")
from search import embedding, match_suite as suite
from search.match_eval import pattern_files, _open
from search.train_embedding import network_input_of
files = pattern_files(Path("/work/shared/patterns"))
reg, dis = suite.split(files)
ALTS = ['market_photo', 'market_photo+hue_90']
def crops(x):
    h, w = x.shape
    out = {}
    out['whole'] = [x]
    hh, ww = h // 2, w // 2
    out['quad'] = [x[:hh, :ww], x[:hh, ww:], x[hh:, :ww], x[hh:, ww:], x[h//4:h//4+hh, w//4:w//4+ww]]
    h3, w3 = int(h * .7), int(w * .7)
    out['c70'] = [x[:h3, :w3], x[:h3, w-w3:], x[h-h3:, :w3], x[h-h3:, w-w3:], x[(h-h3)//2:(h-h3)//2+h3, (w-w3)//2:(w-w3)//2+w3]]
    out['scales'] = [embedding.rescale(x, f) for f in (0.7, 1.0, 1.4)]
    return out
def one(p):
    a = _open(p)
    res = {'reg': embedding.registry_embeddings(network_input_of(a))}
    for alt in ALTS:
        x = network_input_of(suite.alter(a, p.name, alt))
        res[alt] = {k: np.stack([embedding.embed(c) for c in v]) for k, v in crops(x).items()}
    return p.name, res
if __name__ == "__main__":
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    with Pool(2) as pool:
        out = dict(pool.map(one, files, chunksize=4))
    pickle.dump(out, open("/tmp/lab/tta/tta.pkl", "wb"))
