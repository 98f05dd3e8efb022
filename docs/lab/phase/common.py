"""What thresholds.py and sparse_rivals.py share: the lab's thumbnails, Z and the split."""
import json
import numpy as np
d = np.load('/tmp/lab/phase_thumbs.npz')
names = list(d['names']); alts = list(d['alts']); regn = list(d['reg'])
der = set(json.load(open('/tmp/lab/full.json'))['methods']['engine']['derived_distractors'])
Z = np.load('/tmp/lab/Z_0.1_1.npy')
t = np.array([regn.index(n) if n in regn else -1 for n in names]); isreg = t >= 0
unrel = np.array([(n not in der) and (n not in regn) for n in names])
