"""Lab: whitened (phase) correlation of the stored 64x64 thumbnails as a match witness."""
import json, sys
from multiprocessing import Pool
from pathlib import Path
import numpy as np
from PIL import Image
sys.path.insert(0, '/work/main')
from search import match_suite as ms, fingerprint as fp
from search.match_eval import pattern_files

FOLDER = Path('/work/shared/patterns') if Path('/work/shared/patterns').exists() else Path('/work/main/../shared/patterns')
paths = pattern_files(FOLDER)
reg, dis = ms.split(paths)
EVERY = int(sys.argv[1]) if len(sys.argv) > 1 else 2
OUT = sys.argv[2] if len(sys.argv) > 2 else '/tmp/lab/phase_thumbs.npz'

def rgb(p):
    with Image.open(p) as im:
        return np.asarray(im.convert('RGB'))

def job(p):
    a = rgb(p)
    out = {}
    for alt in ms.ALTERATIONS:
        out[alt] = fp.thumbnail(ms.alter(a, p.name, alt))
    return p.name, fp.thumbnail(a), out

if __name__ == '__main__':
    qs = sorted(paths)[::EVERY]
    with Pool(2) as pool:
        res = pool.map(job, sorted(paths), chunksize=4)
    names = [r[0] for r in res]
    base = np.stack([r[1] for r in res])
    alts = list(ms.ALTERATIONS)
    q = np.stack([[r[2][a] for a in alts] for r in res])
    regnames = [p.name for p in reg]
    np.savez(OUT, names=names, base=base, q=q, alts=alts, reg=regnames)
    print('saved', q.shape)
