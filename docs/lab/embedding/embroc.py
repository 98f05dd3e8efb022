import pickle, sys
import numpy as np
sys.path.insert(0, "/work/main")
from pathlib import Path
from search import match_suite as suite
from search.match_eval import pattern_files
from search.train_embedding import is_training_design
out = pickle.load(open(sys.argv[1] if len(sys.argv) > 1 else "/tmp/lab/embcmp.pkl", "rb"))
files = pattern_files(Path("/work/shared/patterns")); reg, dis = suite.split(files)
der = {'subtle-little_pluses.jpg', 'subtle-white_texture.png', 'subtle-perforated_white_leather.png', 'subtle-tweed.png', 'subtle-binding_dark.png', 'subtle-triangular.png'}
regn = [p.name for p in reg]; idx = {n: i for i, n in enumerate(regn)}; O = dict(out)
alts = list(suite.ALTERATIONS); weak = ['jpeg_30', 'market_photo', 'crop_70+jpeg_30', 'market_photo+hue_90']
for wi in range(len(out[0][1])):
    R = np.stack([O[n][wi][1] for n in regn])
    dm = []
    for p in dis:
        if p.name in der: continue
        for alt in alts:
            f = np.sort((R @ O[p.name][wi][0][alt]).max(axis=1))[::-1]; dm.append(f[0] - f[1])
    dm = np.sort(dm)
    line = []
    for rate in (0.05, 0.02, 0.01):
        m = dm[int(len(dm) * (1 - rate))]
        res = {}
        for label, grp in (("unseen", [p for p in reg if not is_training_design(p.name)]), ("all", reg)):
            ok, okw = [], []
            for p in grp:
                i = idx[p.name]
                for alt in alts:
                    f = (R @ O[p.name][wi][0][alt]).max(axis=1); o = np.argsort(-f)
                    g = o[0] == i and f[o[0]] - f[o[1]] > m
                    ok.append(g)
                    if alt in weak: okw.append(g)
            res[label] = f"{np.mean(ok):.3f} (weak {np.mean(okw):.3f})"
        line.append(f"unrelated {rate:.0%} at margin {m:.3f}: unseen {res['unseen']} all {res['all']}")
    print(wi, " | ".join(line))
