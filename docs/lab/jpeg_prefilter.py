# python docs/lab/jpeg_prefilter.py ALTERATION [EVERY] (from /work/main): does smoothing the query
# before fingerprinting bring back the keypoint evidence JPEG 30 wipes out? Reads the rows of
# eval_match ../shared/patterns --alteration jpeg_30 ... --every 2 --rows /tmp/weak.jsonl
# and re-verifies each registered query against its original under each pre-filter.
import sys, json, numpy as np, cv2

sys.path.insert(0, "/work/main")
from pathlib import Path
from PIL import Image
from search import fingerprint as fp, engine, match_suite as suite
from search.match_eval import _open

cv2.setNumThreads(1)
alt = sys.argv[1]
rows = [json.loads(l) for l in open("/tmp/weak.jsonl")]
R = [r for r in rows if r["alteration"] == alt and r["truth"] >= 0]
files = {p.name: p for p in Path("/work/shared/patterns").rglob("*")}


def q(rgb, mode):
    if mode == "blur1":
        rgb = cv2.GaussianBlur(rgb, (0, 0), 1.0)
    if mode == "blur07":
        rgb = cv2.GaussianBlur(rgb, (0, 0), 0.7)
    if mode == "median3":
        rgb = cv2.medianBlur(rgb, 3)
    if mode == "bilat":
        rgb = cv2.bilateralFilter(rgb, 5, 20, 3)
    return fp.compute_query(Image.fromarray(np.ascontiguousarray(rgb)))


modes = ["base", "blur07", "blur1", "median3", "bilat"]
out = {m: {"miss": [], "found": []} for m in modes}
for r in R[:: int(sys.argv[2]) if len(sys.argv) > 2 else 1]:
    p = files[r["file"]]
    a = _open(p)
    reg = fp.compute(Image.fromarray(a))
    rgb = suite.alter(a, p.name, alt)
    k = "found" if r["found"] else "miss"
    for m in modes:
        ev = engine.verify_many(q(rgb, m), [reg])[0]
        out[m][k].append((ev.count, engine.score_of(ev)))
for m in modes:
    for k in ("miss", "found"):
        v = np.array(out[m][k])
        print(
            m,
            k,
            len(v),
            "count med %.1f" % np.median(v[:, 0]),
            "score>0.5 %.2f" % np.mean(v[:, 1] > 0.5),
        )
