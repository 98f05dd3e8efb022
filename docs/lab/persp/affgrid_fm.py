"""Lab: the anisotropy/shear grid of affgrid.py started from Fourier-Mellin's three best
(scale, turn) peaks instead of the generator's: s +-9% (3% steps), t +-4.5 deg (1.5 deg
steps), a and h in [-0.16, 0.16] (0.04 steps), then +-0.02 around the best; original and
one random other design per photo."""
import os, sys, json, time
sys.path.insert(0, "/tmp/lab"); sys.path.insert(0, "/work/main/docs/lab/persp")
from affgrid import *  # noqa
import affgrid
import persp

def search_fm(qd, c):
    Cs = scipy.fft.rfft2(c.grey); shape = c.grey.shape
    qc = np.array([qd.grey.shape[1] / 2, qd.grey.shape[0] / 2])
    best = (0, None)
    G = np.round(np.arange(-0.16, 0.161, 0.04), 3)
    for sf, th, _v in persp.scale_rotation(qd.grey.astype(np.float32), c.grey.astype(np.float32), peaks=3):
        # persp gives query px = s R(th) tile px in the candidate's frame
        for ds in np.exp(np.arange(-3, 4) * 0.03):
            for dt in np.radians(np.arange(-3, 4) * 1.5):
                for al in G:
                    for h in G:
                        A = A_of(sf * ds, th + dt, al, h)
                        z = zscore(window(qd.grey, A, qc, shape), Cs, shape)
                        if z > best[0]: best = (z, (sf * ds, th + dt, al, h))
    s, t, al, h = best[1]
    for ds in (0.99, 1.0, 1.01):
        for dt in np.radians((-0.5, 0, 0.5)):
            for da in (-0.02, 0, 0.02):
                for dh in (-0.02, 0, 0.02):
                    A = A_of(s * ds, t + dt, al + da, h + dh)
                    z = zscore(window(qd.grey, A, qc, shape), Cs, shape)
                    if z > best[0]: best = (z, (s * ds, t + dt, al + da, h + dh))
    g = window(qd.grey, A_of(*best[1]), qc, shape)
    w = engine._DetailWork(Q(fp.Detail(g.astype(np.float32), c.fx, c.fy)), [Q(c)]); w.run()
    return best[0], w.out[0].value

def one_fm(i):
    p = reg[i]; a = me._open(p)
    c = me._fingerprint_array(a).detail()
    qd = me._query_fingerprint(suite.alter(a, p.name, ALT)).detail()
    z, v = search_fm(qd, c)
    j = int(np.random.default_rng(1000 + i).integers(len(reg))); j = (j + 1) % len(reg) if j == i else j
    zo, vo = search_fm(qd, me._fingerprint_array(me._open(reg[j])).detail())
    return p.name, z, v, zo, vo

if __name__ == "__main__":
    rows = {(r["file"], r["alteration"]): r for r in map(json.loads, open("/tmp/full_rows.jsonl"))}
    t0 = time.time()
    with Pool(2) as pool:
        res = pool.map(one_fm, range(0, len(reg), EVERY), chunksize=1)
    n = len(res); ok = sum(r[2] > 0.3 for r in res); nul = sum(r[4] > 0.3 for r in res)
    union = sum((r[2] > 0.3) or rows[(r[0], ALT)]["found"] for r in res)
    found = sum(rows[(r[0], ALT)]["found"] for r in res)
    print(f"{ALT} FM start: photos {n}, pass {ok/n:.3f}, null pass {nul}, engine {found/n:.3f}, union {union/n:.3f}, {time.time()-t0:.0f} s ({(time.time()-t0)*2/n/2:.1f} s a candidate on one core)")
    print("median z orig %.1f null %.1f, null max %.1f" % (np.median([r[1] for r in res]), np.median([r[3] for r in res]), max(r[3] for r in res)))
