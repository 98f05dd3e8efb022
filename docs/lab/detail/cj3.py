import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import numpy as np, cv2
from search import match_suite as suite, fingerprint as fp, engine
from search.match_eval import _open, _fingerprint_array, _query_fingerprint
from pathlib import Path
name = sys.argv[1]
p = Path("../shared/patterns") / ("subtle" if name.startswith("subtle") else "gimp-hero") / name
a = _open(p)
c = _fingerprint_array(a); cd = c.detail()
q = _query_fingerprint(suite.alter(a, p.name, "crop_70+jpeg_30")).detail()
rx, ry = cd.fx / q.fx, cd.fy / q.fy
cand = engine._CandidateDetail(cd.grey)
h, w = q.grey.shape
size = (round(w * rx), round(h * ry))
for interp in ("area", "linear", "cubic"):
  for py in (0, 0.25, 0.5, 0.75):
    row = []
    for px in (0, 0.25, 0.5, 0.75):
        if interp == "area" and (px or py):
            row.append("   -    "); continue
        if interp == "area":
            g = cv2.resize(q.grey, size, interpolation=cv2.INTER_AREA)
        else:
            g = q.grey
            if rx < 1:  # anti-alias before point sampling
                g = cv2.GaussianBlur(g, (0, 0), 0.5 * np.sqrt(1 / rx ** 2 - 1) + 1e-3)
            M = np.float32([[rx, 0, px], [0, ry, py]])
            g = cv2.warpAffine(g, M, size, flags=cv2.INTER_LINEAR if interp == "linear" else cv2.INTER_CUBIC)
        qa = engine._prepare_query(g, 1.0, 1.0, cd.grey.shape)
        al = engine._align(qa, cand)
        row.append("%4.1f/%4.1f" % (al.z, al.lp_z))
    print(interp, py, " ".join(row))
