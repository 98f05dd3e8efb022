"""After embcmp.py: per weights, the original's embedding rank among all registered designs
for the registered market photos (both alterations), seen/unseen designs, and the rank
recall of every alteration at 15 / 45 (what the engine fetches by the embedding).

python embphoto.py A.npz B.npz ...  (reads /tmp/lab/embcmp.pkl, written by embcmp.py with the same weights)
"""
import sys, pickle
from pathlib import Path
import numpy as np
sys.path.insert(0, "/work/main")
from search import match_suite as suite
from search.match_eval import pattern_files
from search.train_embedding import is_training_design
WS = [Path(w) for w in sys.argv[1:]]
files = pattern_files(Path("/work/shared/patterns"))
reg, dis = suite.split(files)
regn = [p.name for p in reg]; idx = {n: i for i, n in enumerate(regn)}
O = dict(pickle.load(open("/tmp/lab/embcmp.pkl", "rb")))
alts = list(suite.ALTERATIONS)
photos = ["market_photo", "market_photo+hue_90"]
for wi, w in enumerate(WS):
    R = np.stack([O[n][wi][1] for n in regn])
    ranks = {a: [] for a in alts}
    seen = []
    for n in regn:
        i = idx[n]
        for alt in alts:
            f = (R @ O[n][wi][0][alt]).max(axis=1)
            ranks[alt].append(int((f > f[i]).sum()))
        seen.append(is_training_design(n))
    seen = np.array(seen)
    line = [w.name]
    for alt in photos:
        r = np.array(ranks[alt])
        line.append(f"{alt}: @3 {np.mean(r<3):.3f} @20 {np.mean(r<20):.3f} (seen {np.mean(r[seen]<20):.3f} unseen {np.mean(r[~seen]<20):.3f})")
    allr = np.array([ranks[a] for a in alts])
    line.append(f"all @15 {np.mean(allr<15):.3f} @45 {np.mean(allr<45):.3f} unseen@15 {np.mean(allr[:, ~seen]<15):.3f}")
    weak = ["jpeg_30", "crop_70+jpeg_30"]
    line.append(" ".join(f"{a} @15 {np.mean(np.array(ranks[a])<15):.3f} @45 {np.mean(np.array(ranks[a])<45):.3f}" for a in weak))
    print(" | ".join(line), flush=True)
