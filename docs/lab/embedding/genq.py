import sys, pickle
from multiprocessing import Pool
sys.path.insert(0, "/tmp/lab")
from common import *
def q(p):
    a = open_rgb(p)
    return p.name, {alt: prep(suite.alter(a, p.name, alt)) for alt in suite.ALTERATIONS}
if __name__ == "__main__":
    cv2.setNumThreads(1)
    with Pool(2) as pool:
        out = dict(pool.map(q, files, chunksize=4))
    pickle.dump(out, open("/tmp/lab/queries.pkl", "wb"))
    print(len(out))
