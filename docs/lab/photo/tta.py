"""Market photos: is the embedding's leader the same for crops of the photo? (a backing
for the leader that needs no geometry). Per query: cosines of the whole photo and of 5
crops (4 quadrants, centre; each 60% a side) against all 213 registered designs."""
import os, sys, pickle, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import numpy as np
from multiprocessing import Pool
from pathlib import Path
from PIL import Image
from search import match_suite as suite, fingerprint as fp, engine
from search.match_eval import pattern_files, _open, _fingerprint_array
paths = pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALTS = ["market_photo", "market_photo+hue_90"]
REG = "/tmp/lab/reg_emb.pkl"

def emb_of(rgb):
    work = fp._work_array(Image.fromarray(np.ascontiguousarray(rgb)))
    return fp._embeddings(fp.normalised_grey(work), query=True)[0]

def views(rgb):
    h, w = rgb.shape[:2]; f = 0.6; ch, cw = int(h * f), int(w * f)
    out = [rgb]
    for y0, x0 in ((0, 0), (0, w - cw), (h - ch, 0), (h - ch, w - cw), ((h - ch) // 2, (w - cw) // 2)):
        out.append(rgb[y0:y0 + ch, x0:x0 + cw])
    return out

def _init():
    global E
    E = pickle.load(open(REG, "rb"))

def one(job):
    path, alt = job
    q = suite.alter(_open(path), path.name, alt)
    es = np.stack([emb_of(v) for v in views(q)])            # 6 x D
    cos = np.stack([(e @ es.T).max(axis=0) for e in E], 1)  # 6 x 213
    return path.name, alt, cos.astype(np.float32)

if __name__ == "__main__":
    if not os.path.exists(REG):
        with Pool(2) as pool:
            fps = pool.map(_fingerprint_array, [_open(p) for p in reg], chunksize=4)
        pickle.dump([f.embeddings().astype(np.float32) for f in fps], open(REG, "wb"))
    jobs = [(p, a) for p in paths for a in ALTS]
    with Pool(2, initializer=_init) as pool:
        res = pool.map(one, jobs, chunksize=4)
    pickle.dump({"reg": [p.name for p in reg], "res": res}, open("/tmp/lab/tta.pkl", "wb"))
