"""Replay a low-pass detail corner (ZLP, NLP at sigma index K) beside the shipped corners,
on detail_lp.py's statistics against all 213 registered designs (pessimistic for flags:
the engine sees only its 45 shortlisted)."""
import os, sys, json, numpy as np
sys.path.insert(0, '/work/main')
from search import match_suite as suite
from search.match_eval import pattern_files
from pathlib import Path
d = np.load(sys.argv[1]); K = int(os.environ.get('K', 0))
regn = list(d['reg']); names, alts = list(d['names']), list(d['alts'])
Z, N, ZL, NL = d['Z'], d['N'], d['ZLP'][:, K], d['NLP'][:, K]
DERIVED = {'subtle-little_pluses.png', 'subtle-white_texture.png', 'subtle-perforated_white_leather.png', 'subtle-tweed.png', 'subtle-binding_dark.png', 'subtle-triangular.png'}
shipped = ((Z >= 14) & (N >= 0.3)) | ((Z >= 8) & (N >= 0.6))
for corner in eval(sys.argv[2]):
    lp = np.zeros_like(shipped)
    for c in corner:
        lp |= (ZL >= c[0]) & (NL >= c[1])
    out = {}
    for i, (n, a) in enumerate(zip(names, alts)):
        o = out.setdefault(a, [0, 0, 0, 0, 0])
        if n in regn:
            t = regn.index(n)
            o[0] += 1; o[1] += shipped[i, t]; o[2] += (lp[i, t] and not shipped[i, t])
        elif not any(n.startswith(x[:-4]) for x in DERIVED) and n not in DERIVED:
            o[3] += 1; o[4] += bool((lp[i] & ~shipped[i]).any())
    print(corner, {a: f"reg {v[0]} shipped {v[1]} +lp {v[2]} | unrelated {v[3]} new flags {v[4]}" for a, v in out.items()})
