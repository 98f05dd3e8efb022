"""From embcmp.pkl: how often the embedding's sure rule (leader >= M ahead, cosine >= C)
holds, per weights: distractor queries (all / unrelated-only unknown here), registered
queries led by their original, led by another design. Even / odd halves of the files."""
import sys, pickle
from pathlib import Path
import numpy as np
sys.path.insert(0, "/work/main")
from search import match_suite as suite
from search.match_eval import pattern_files
WS = sys.argv[1:]
files = pattern_files(Path("/work/shared/patterns"))
reg, dis = suite.split(files)
regn = [p.name for p in reg]; idx = {n: i for i, n in enumerate(regn)}
O = dict(pickle.load(open("/tmp/lab/embcmp.pkl", "rb")))
alts = list(suite.ALTERATIONS)
order = {p.name: i for i, p in enumerate(sorted(files))}
for wi, w in enumerate(WS):
    R = np.stack([O[n][wi][1] for n in regn])
    rows = []  # (half, is_dis, alt, leader_ok, lead, cos)
    for p in files:
        n = p.name
        for alt in alts:
            f = (R @ O[n][wi][0][alt]).max(axis=1)
            o = np.argsort(-f)
            ok = (n in idx and o[0] == idx[n])
            rows.append((order[n] % 2, n not in idx, alt, ok, f[o[0]] - f[o[1]], f[o[0]]))
    half = np.array([r[0] for r in rows]); isd = np.array([r[1] for r in rows]); ok = np.array([r[3] for r in rows])
    lead = np.array([r[4] for r in rows]); cos = np.array([r[5] for r in rows]); alt = np.array([r[2] for r in rows])
    for M in (0.25, 0.3, 0.35, 0.4, 0.45):
        for C in (0.8, 0.85, 0.9):
            s = (lead >= M) & (cos >= C)
            out = []
            for h in (0, 1):
                H = half == h
                out.append(f"h{h}: dis {int((s & isd & H).sum())} orig {int((s & ok & H).sum())} wrong {int((s & ~isd & ~ok & H).sum())}")
            ph = np.isin(alt, ["market_photo", "market_photo+hue_90"])
            print(w, M, C, " | ".join(out), f"| photo orig {int((s & ok & ph).sum())} photo dis {int((s & isd & ph).sum())}")
