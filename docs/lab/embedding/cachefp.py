import sys, pickle
from multiprocessing import Pool
sys.path.insert(0, "/tmp/lab")
from common import *
def q(p):
    a = open_rgb(p)
    return p.name, {alt: fp.compute(Image.fromarray(suite.alter(a, p.name, alt))).to_bytes() for alt in suite.ALTERATIONS}
if __name__ == "__main__":
    cv2.setNumThreads(1)
    with Pool(2) as pool:
        out = {}
        for i, (n, d) in enumerate(pool.imap_unordered(q, files, chunksize=2)):
            out[n] = d
            if i % 30 == 0: print(i, flush=True)
    pickle.dump(out, open("/tmp/lab/fps.pkl", "wb"))
    print(len(out))
