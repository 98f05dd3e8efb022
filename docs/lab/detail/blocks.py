"""Lab: JPEG's 8x8 block means lined up. At the detail alignment's shift, the query and
the candidate under it averaged over the query's own JPEG blocks (8 source px, from the
query's origin), correlated over the blocks: what a heavy JPEG keeps is the block means.
Per (query, registered design): Z, N, ZLP, NLP as the engine, B (blocks at the plain
shift), BL (blocks at the low-passed shift), NB (number of whole blocks)."""
import os, sys, time, pickle
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings")
sys.path.insert(0, "/work/main")
import django; django.setup()
import cv2
cv2.setNumThreads(1)
import numpy as np, scipy.fft
from pathlib import Path
from multiprocessing import Pool
from search import match_suite as suite, fingerprint as fp, engine
from search.match_eval import pattern_files, _open, _fingerprint_array, _query_fingerprint

folder = Path(sys.argv[1])
ALTS = os.environ.get("ALTS", "jpeg_30,crop_70+jpeg_30").split(",")
QUERIES = os.environ.get("QUERIES", "reg")
BLOCK = float(os.environ.get("BLOCK", "8"))
paths = pattern_files(folder)
reg, dis = suite.split(paths)
REGFP = "/tmp/lab/regfps_blocks.pkl"

def prepare(grey, rx, ry, shape):
    h, w = grey.shape
    size = (max(1, round(w * rx)), max(1, round(h * ry)))
    if min(size) < engine.DETAIL_MIN_SIDE:
        return None
    if size != (w, h):
        interp = cv2.INTER_AREA if size[0] < w else cv2.INTER_LINEAR
        grey = cv2.resize(grey, size, interpolation=interp)
    y0 = max(0, (grey.shape[0] - shape[0]) // 2)
    x0 = max(0, (grey.shape[1] - shape[1]) // 2)
    raw = grey[y0: y0 + shape[0], x0: x0 + shape[1]]
    raw = raw - raw.mean()
    return engine._prepare_query(grey, rx, ry, shape), raw, (x0, y0)

def block_ncc(qraw, cgrey, shift, origin, bx, by):
    dy, dx = shift
    h, w = qraw.shape
    rows = (np.arange(h) - dy) % cgrey.shape[0]
    cols = (np.arange(w) - dx) % cgrey.shape[1]
    under = cgrey[np.ix_(rows, cols)]
    ix = np.floor((np.arange(w) + origin[0]) / bx).astype(int)
    iy = np.floor((np.arange(h) + origin[1]) / by).astype(int)
    ix -= ix[0]; iy -= iy[0]
    nbx = ix[-1] + 1
    lab = (iy[:, None] * nbx + ix[None, :]).ravel()
    cnt = np.bincount(lab)
    qs = np.bincount(lab, qraw.ravel()); cs = np.bincount(lab, under.ravel())
    full = cnt >= 0.75 * bx * by
    if full.sum() < 16:
        return 0.0, int(full.sum())
    qm = qs[full] / cnt[full]; cm = cs[full] / cnt[full]
    qm -= qm.mean(); cm -= cm.mean()
    return float((qm * cm).sum() / (np.sqrt((qm * qm).sum() * (cm * cm).sum()) + 1e-9)), int(full.sum())

def _init():
    global C
    C = pickle.load(open(REGFP, "rb"))

def one(job):
    path, alt = job
    qfp = _query_fingerprint(suite.alter(_open(path), path.name, alt))
    q = qfp.detail()
    n = len(C)
    out = np.zeros((7, n), np.float32)
    prepared = {}
    for i, c in enumerate(C):
        shape = c.grey.shape
        rx, ry = c.fx / q.fx, c.fy / q.fy
        key = (round(rx, 3), round(ry, 3), shape)
        if key not in prepared:
            prepared[key] = prepare(q.grey, rx, ry, shape)
        p = prepared[key]
        if p is None or p[0] is None:
            continue
        qa, raw, origin = p
        cand = engine._CandidateDetail(c.grey)
        cross = qa.spectrum * np.conj(cand.spectrum)
        mag = np.abs(cross)
        cross /= mag + engine.DETAIL_EPS * mag.mean() + 1e-9
        cross[0, 0] = 0
        z, shift = engine._peak(scipy.fft.irfft2(cross, s=shape))
        lz, lshift = engine._peak(scipy.fft.irfft2(cross * engine._lowpass_gain(shape), s=shape))
        out[0, i] = z; out[2, i] = lz
        if z >= 8:
            out[1, i] = abs(engine._ncc_at(qa.grey, c.grey, shift))
            out[4, i], out[6, i] = block_ncc(raw, c.grey, shift, origin, BLOCK * c.fx, BLOCK * c.fy)
        if lz >= 8:
            out[3, i] = abs(engine._ncc_at(qa.lowpassed, cand.lowpassed, lshift))
            out[5, i], _ = block_ncc(raw, c.grey, lshift, origin, BLOCK * c.fx, BLOCK * c.fy)
    return path.name, alt, out

if __name__ == "__main__":
    if not os.path.exists(REGFP):
        t0 = time.time()
        with Pool(2) as pool:
            fps = pool.map(_fingerprint_array, [_open(p) for p in reg], chunksize=4)
        pickle.dump([f.detail() for f in fps], open(REGFP, "wb"))
        print("registered", len(fps), round(time.time() - t0), file=sys.stderr)
    qs = dis if QUERIES == "dis" else reg
    jobs = [(p, a) for p in qs for a in ALTS]
    t0 = time.time(); res = {}
    with Pool(2, initializer=_init) as pool:
        for n, (name, alt, o) in enumerate(pool.imap_unordered(one, jobs, chunksize=2)):
            res[(name, alt)] = o
            if n % 100 == 0:
                print(n, len(jobs), round(time.time() - t0), file=sys.stderr, flush=True)
    pickle.dump({"reg": [p.name for p in reg], "res": res}, open(os.environ.get("OUT", "/tmp/lab/blocks.pkl"), "wb"))
