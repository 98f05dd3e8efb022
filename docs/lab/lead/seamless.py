"""Lab: would gating the photo stage on a seamless query (fingerprint.is_seamless) keep
its finds and drop its flags? The queries the photo stage decides in dump.pkl."""
import os, sys, collections
sys.path.insert(0, '/work/main'); sys.path.insert(0, '/tmp/lab/lead')
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
import cv2
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp
import grid
by_name = {p.name: p for p in me.pattern_files(Path('/work/shared/patterns'))}
new = dict(grid.SHIPPED, f_corr=0.75)
out = collections.Counter()
for row in grid.data['rows']:
    name, alt, truth, best, margin, cands, photo = row
    if not photo or alt.startswith('market_photo'):
        continue
    top = grid.decide(row, new)
    found = truth >= 0 and truth in photo and any(t[2] == truth and t[3] for t in top)
    flag = truth < 0 and any(t[3] for t in top)
    if not (found or flag):
        continue
    rgb = suite.alter(me._open(by_name[name]), name, alt)
    grey = fp.normalised_grey(rgb)
    s = fp.is_seamless(grey)
    out[('found' if found else 'flag', s)] += 1
    print(name, alt, 'found' if found else 'flag', 'seamless' if s else 'not seamless')
print(out)
