import hashlib, sys, pickle
from pathlib import Path
import numpy as np, cv2
from PIL import Image
sys.path.insert(0, "/work/main")
from search import match_suite as suite
from search import fingerprint as fp
from search.match_eval import pattern_files

PAT = Path("/work/shared/patterns")
files = pattern_files(PAT)
reg, dis = suite.split(files)

def is_train(p):
    return hashlib.sha256(("emb|" + p.name).encode()).digest()[0] % 3 != 0

def open_rgb(p):
    with Image.open(p) as im:
        return np.asarray(im.convert("RGB"))

def prep(rgb):
    """normalised grey as float, at half working size"""
    work = fp._work_array(Image.fromarray(np.ascontiguousarray(rgb)))
    g = fp.normalised_grey(work).astype(np.float32)  # uint8 version for now
    h, w = g.shape
    g = cv2.resize(g, (max(16, w // 2), max(16, h // 2)), interpolation=cv2.INTER_AREA)
    return ((g - 128) / 42).astype(np.float16)
