"""Lab: a faster photo_alignment (engine item 17): a coarse grid at a quarter of the
candidate's resolution, coordinate descent from the best few at half resolution, then
at full resolution; against the shipped 2,100-map grid on the same photos."""
import os, sys, time, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings"); sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2; cv2.setNumThreads(1)
import heapq, numpy as np, scipy.fft
from multiprocessing import Pool
from pathlib import Path
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine as E
paths = me.pattern_files(Path("../shared/patterns")); reg, dis = suite.split(paths)
ALT = os.environ.get("ALT", "market_photo"); EVERY = int(os.environ.get("EVERY", "6"))
QS = float(os.environ.get("QS", "0.14")); QT = float(os.environ.get("QT", "4.5")); QG = float(os.environ.get("QG", "0.15"))
KQ = int(os.environ.get("KQ", "8")); KH = int(os.environ.get("KH", "2"))

def level(grey, f):
    h, w = grey.shape
    g = cv2.resize(grey, (w // f, h // f), interpolation=cv2.INTER_AREA) if f > 1 else grey
    return g, scipy.fft.rfft2(g)

def fast(q, c):
    qd, cd = q.detail(), c.detail()
    if qd is None or cd is None or min(cd.grey.shape) < 2 * E.DETAIL_MIN_SIDE:
        return E._Alignment(), 0
    centre = np.array([qd.grey.shape[1] / 2, qd.grey.shape[0] / 2], np.float32)
    lv = {f: level(cd.grey, f) for f in (4, 2, 1)}
    n = [0]
    def peak(p, f):
        n[0] += 1
        g, S = lv[f]
        return E._whitened_peak(E._photo_window(qd.grey, f * E._photo_affine(p), centre, g.shape), S, g.shape)
    S = np.arange(np.log(0.45), np.log(1.0) + 1e-9, QS); T = np.radians(np.arange(-9, 9 + 1e-9, QT)); G = np.arange(-0.15, 0.15 + 1e-9, QG)
    grid = [(float(s), float(t), float(a), float(h)) for s in S for t in T for a in G for h in G]
    top = heapq.nlargest(KQ, ((peak(p, 4), p) for p in grid))
    def descend(z, p, step, f, rounds=4):
        for _ in range(rounds):
            moved = False
            for d in range(4):
                for sgn in (-1, 1):
                    cand = list(p); cand[d] += sgn * step[d]; cand = tuple(cand)
                    zc = peak(cand, f)
                    if zc > z: z, p, moved = zc, cand, True
            if not moved: break
        return z, p
    step = np.array([QS, np.radians(QT), QG, QG])
    half = sorted((descend(peak(p, 2), p, step / 2, 2) for _z, p in top), reverse=True)[:KH]
    best = max(descend(peak(p, 1), p, step / 4, 1) for _z, p in half)
    best = descend(best[0], best[1], step / 8, 1)
    window = E._photo_window(qd.grey, E._photo_affine(best[1]), centre, cd.grey.shape)
    prepared = E._prepare_query(window, 1.0, 1.0, cd.grey.shape)
    return (E._align(prepared, E._CandidateDetail(cd.grey)) if prepared is not None else E._Alignment()), n[0]

def one(i):
    p = reg[i]; a = me._open(p)
    c = me._fingerprint_array(a); q = me._query_fingerprint(suite.alter(a, p.name, ALT))
    t = time.process_time(); al, n = fast(q, c); dt = time.process_time() - t
    t = time.process_time(); ship = E.photo_alignment(q, c).value; dts = time.process_time() - t
    j = int(np.random.default_rng(1000 + i).integers(len(reg))); j = (j + 1) % len(reg) if j == i else j
    vo = fast(q, me._fingerprint_array(me._open(reg[j])))[0].value
    return p.name, al.value, ship, vo, dt, dts, n

if __name__ == "__main__":
    with Pool(2) as pool:
        res = pool.map(one, range(0, len(reg), EVERY), chunksize=1)
    N = len(res)
    print(f"fast pass {sum(r[1] > 0.3 for r in res)/N:.3f} shipped {sum(r[2] > 0.3 for r in res)/N:.3f} null {sum(r[3] > 0.3 for r in res)} "
          f"CPU fast {np.median([r[4] for r in res]):.3f} s shipped {np.median([r[5] for r in res]):.3f} s, peaks {int(np.median([r[6] for r in res]))}")
