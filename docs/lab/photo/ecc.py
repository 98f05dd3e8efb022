"""Lab: dense alignment of the query onto a candidate's periodic thumbnail (scale/orientation/
shift init by FFT, then ECC homography), scored by the whitened peak of the rectified repeat."""
import sys, time, pickle
from pathlib import Path
from multiprocessing import Pool
import numpy as np, cv2
sys.path.insert(0, '/work/main')
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
from PIL import Image
cv2.setNumThreads(1)
FOLDER = Path('/work/main/../shared/patterns')
files = me.pattern_files(FOLDER)
registered, distractors = suite.split(files)
D = pickle.load(open('/tmp/lab/dump.pkl', 'rb'))
EVERY = int(sys.argv[1]); ALTS = sys.argv[2].split(','); TOPC = int(sys.argv[3]) if len(sys.argv) > 3 else 3
def work(rgb):
    return np.asarray(fp._work_array(Image.fromarray(np.ascontiguousarray(rgb))))
RT, RS = [], []
for p in registered:
    w = work(me._open(p)); RT.append(fp.thumbnail(w)); RS.append((w.shape[1], w.shape[0]))
RT = np.stack(RT).astype(np.float32)
TS = [120 * 1.15 ** k for k in range(9)]  # tile width in the query's work pixels: 120..367
def hp(g):
    g = g - fp._wide_blur(g, max(g.shape) / 12); return g / (g.std() + 1e-6)
def whz(q, t):
    best = 0
    Tw = engine._whiten(np.fft.rfft2(t))
    for fl in (0, 1):
        for k in range(4):
            qq = np.rot90(q[:, ::-1] if fl else q, k)
            c = np.fft.irfft2(Tw * np.conj(engine._whiten(np.fft.rfft2(qq))), s=(64, 64))
            best = max(best, np.abs(c).max() / (np.sqrt((c * c).mean()) + 1e-12))
    return best
def align(g, t, aspect):
    """Return (z after alignment, ecc cc, z before)."""
    big = np.tile(t, (4, 4)).astype(np.float32)
    T = np.fft.rfft2(t)
    hyps = []
    for T_ in TS:
        fx, fy = 64 / T_, 64 / (T_ * aspect)
        h, w = g.shape
        pw, ph = max(16, round(w * fx)), max(16, round(h * fy))
        p = cv2.resize(g, (pw, ph), interpolation=cv2.INTER_AREA)
        for fl in (0, 1):
            for k in range(4):
                po = np.ascontiguousarray(np.rot90(p[:, ::-1] if fl else p, k))
                H_, W_ = po.shape
                cw, ch = min(64, W_), min(64, H_)
                ox, oy = (W_ - cw) // 2, (H_ - ch) // 2
                crop = po[oy:oy + ch, ox:ox + cw]; crop = crop - crop.mean()
                pad = np.zeros((64, 64), np.float32); pad[:ch, :cw] = crop
                c = np.fft.irfft2(T * np.conj(np.fft.rfft2(pad)), s=(64, 64))
                c /= (np.linalg.norm(crop) * np.sqrt((t * t).sum() * ch * cw / 4096) + 1e-9)
                i = int(np.argmax(c)); sy, sx = divmod(i, 64)
                hyps.append((float(c.flat[i]), T_, fl, k, po, ox, oy, sx, sy))
    hyps.sort(key=lambda h: -h[0])
    best = (0.0, 0.0, hyps[0][0])
    for val, T_, fl, k, po, ox, oy, sx, sy in hyps[:3]:
        warp = np.array([[1, 0, sx - ox + 64], [0, 1, sy - oy + 64], [0, 0, 1]], np.float32)
        try:
            cc, warp = cv2.findTransformECC(po.astype(np.float32), big, warp, cv2.MOTION_HOMOGRAPHY,
                                            (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 40, 1e-4), None, 3)
        except cv2.error:
            continue
        # one repeat around the query's centre, sampled back from the query
        H_, W_ = po.shape
        c0 = warp @ np.array([W_ / 2, H_ / 2, 1.0]); c0 = c0[:2] / c0[2]
        uu, vv = np.meshgrid(np.arange(64) + c0[0] - 32, np.arange(64) + c0[1] - 32)
        inv = np.linalg.inv(warp)
        pts = np.stack([uu, vv, np.ones_like(uu)], -1) @ inv.T
        mx = (pts[..., 0] / pts[..., 2]).astype(np.float32); my = (pts[..., 1] / pts[..., 2]).astype(np.float32)
        q = cv2.remap(po.astype(np.float32), mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        q = (q - q.mean()) / (q.std() + 1e-6)
        z = whz(q, t)
        if z > best[0]: best = (z, cc, val)
    return best
INDEX = {(r[0], r[1]): r for r in D['rows']}
def job(args):
    p, alt = args
    f, a, truth, rows = INDEX[(p.name, alt)]
    g = hp(cv2.cvtColor(work(suite.alter(me._open(p), p.name, alt)), cv2.COLOR_RGB2GRAY).astype(np.float32))
    rows = sorted(rows, key=lambda r: -r[6])[:TOPC]
    out = []
    for r in rows:
        key = r[0]; wc, hc = RS[key]
        out.append((key, key == truth, r[6], r[7], r[9]) + align(g, RT[key], hc / wc))
    return p.name, alt, truth, out
if __name__ == '__main__':
    pool_files = distractors if (len(sys.argv) > 4 and sys.argv[4] == 'dis') else files
    jobs = [(p, a) for p in pool_files[::EVERY] for a in ALTS]
    t0 = time.time()
    with Pool(2, initializer=me._single_thread) as pool:
        res = pool.map(job, jobs, chunksize=2)
    print('time', time.time() - t0, len(jobs))
    pickle.dump(res, open('/tmp/lab/ecc_%s.pkl' % (sys.argv[5] if len(sys.argv) > 5 else ALTS[0]), 'wb'))
    for a in ALTS:
        tz = [o[5] for n, al, t, out in res if al == a and t >= 0 for o in out if o[1]]
        oz = [max([o[5] for o in out if not o[1]] or [0]) for n, al, t, out in res if al == a and t >= 0]
        dz = [max(o[5] for o in out) for n, al, t, out in res if al == a and t < 0]
        if not tz: tz = [0]
        print(a, 'truth z median %.1f (n %d) q90 %.1f | best other %.1f | distractor best median %.1f q95 %.1f q99 %.1f max %.1f' % (
            np.median(tz), len(tz), np.quantile(tz, 0.9), np.median(oz), np.median(dz), np.quantile(dz, .95), np.quantile(dz, .99), max(dz)))
        for T in [8, 10, 12, 14]:
            print('   z>=%d: truth %.2f  distractor %.3f' % (T, np.mean(np.array(tz) >= T) * len(tz) / max(1, sum(1 for n, al, t, out in res if al == a and t >= 0)), np.mean(np.array(dz) >= T)))
