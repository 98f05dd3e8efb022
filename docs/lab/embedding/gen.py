import sys, pickle
from multiprocessing import Pool
import numpy as np, cv2
sys.path.insert(0, "/tmp/lab")
from common import *
ALTS = [a for a in suite.ALTERATIONS if a != "original"]
K = int(sys.argv[1]) if len(sys.argv) > 1 else 40

def views(p):
    a = open_rgb(p)
    out = [prep(a)]
    for k in range(K):
        rng = np.random.default_rng(int.from_bytes(hashlib.sha256(f"train|{p.name}|{k}".encode()).digest()[:8], "big"))
        alt = ALTS[rng.integers(len(ALTS))]
        b = np.ascontiguousarray(suite.ALTERATIONS[alt](a, rng))
        # extra: random orientation, random crop, random jpeg
        if rng.random() < 0.5:
            b = np.ascontiguousarray(np.rot90(b, rng.integers(4)))
        if rng.random() < 0.5:
            b = np.ascontiguousarray(b[:, ::-1])
        if rng.random() < 0.3:
            f = rng.uniform(0.5, 0.9); b = suite.crop(b, f)
        if rng.random() < 0.3:
            b = suite._jpeg(np.ascontiguousarray(b), int(rng.integers(15, 80)))
        out.append(prep(b))
    return p.name, out

if __name__ == "__main__":
    cv2.setNumThreads(1)
    train = [p for p in reg if is_train(p)]
    with Pool(2) as pool:
        bank = dict(pool.map(views, train, chunksize=4))
    pickle.dump(bank, open("/tmp/lab/bank.pkl", "wb"))
    print(len(bank), sum(len(v) for v in bank.values()))
