import os, pickle, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, "/work/main")
from search import match_suite as suite
from search.match_eval import pattern_files
F = np.load("/tmp/lab/filler_emb_10000.npy")
out = dict(pickle.load(open("/tmp/lab/embcmp.pkl", "rb")))
reg, dis = suite.split(pattern_files(Path("/work/shared/patterns")))
regn = [p.name for p in reg]
R = np.stack([out[n][0][1] for n in regn])
weak = ['jpeg_30', 'market_photo', 'crop_70+jpeg_30', 'market_photo+hue_90']
for label, RR in (("213", R), ("213+10000", np.concatenate([R, F])), ("213+1000", np.concatenate([R, F[:1000]]))):
    Rb = np.packbits(RR > 0, axis=2)
    ranks, rw = [], []
    for i, n in enumerate(regn):
        for alt, e in out[n][0][0].items():
            h = np.bitwise_count(Rb ^ np.packbits(e > 0)).sum(axis=2).min(axis=1)
            r = int((h < h[i]).sum())  # ties favour the original
            ranks.append(r)
            if alt in weak: rw.append(r)
    ranks, rw = np.array(ranks), np.array(rw)
    print(label, " ".join(f"@{k} {np.mean(ranks < k):.3f}/{np.mean(rw < k):.3f}" for k in (15, 30, 60, 100, 200)))
