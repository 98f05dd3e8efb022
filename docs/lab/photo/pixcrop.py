"""Lab: a crop of the design file keeps its pixel scale: place the query in the
candidate's thumbnail at (query work size / candidate work size) and correlate whitened."""
import sys, time
from pathlib import Path
from multiprocessing import Pool
import numpy as np, cv2
sys.path.insert(0, '/work/main')
from search import match_eval as me, match_suite as suite, fingerprint as fp, engine
from PIL import Image
FOLDER = Path('/work/main/../shared/patterns')
files = me.pattern_files(FOLDER)
registered, distractors = suite.split(files)
EVERY = int(sys.argv[1]) if len(sys.argv) > 1 else 2
ALTS = sys.argv[2].split(',') if len(sys.argv) > 2 else list(suite.ALTERATIONS)

def work(rgb):
    return np.asarray(fp._work_array(Image.fromarray(np.ascontiguousarray(rgb))))
RT, RS = [], []
for p in registered:
    w = work(me._open(p)); RT.append(fp.thumbnail(w)); RS.append((w.shape[1], w.shape[0]))
RT = np.stack(RT); RS = np.array(RS)
RW = engine._whiten(np.fft.rfft2(RT))
groups = {}
for n, s in enumerate(map(tuple, RS)): groups.setdefault(s, []).append(n)

def patch(grey, sx, sy):
    nx, ny = max(8, round(64 * sx)), max(8, round(64 * sy))
    small = cv2.resize(grey, (nx, ny), interpolation=cv2.INTER_AREA)
    small = small - small.mean(); small /= small.std() + 1e-3
    win = np.outer(np.hanning(ny + 2)[1:-1], np.hanning(nx + 2)[1:-1])
    pad = np.zeros((64, 64), np.float32); pad[:ny, :nx] = small * win
    return pad

def zs(q, members):
    turned = [np.rot90(q[:, ::-1] if fl else q, k) for fl in (0, 1) for k in range(4)]
    S = np.conj(engine._whiten(np.fft.rfft2(np.stack(turned))))
    c = np.fft.irfft2(RW[members][:, None] * S[None], s=(64, 64)).reshape(len(members), 8, -1)
    return (np.abs(c).max(axis=2) / (np.sqrt((c * c).mean(axis=2)) + 1e-12)).max(axis=1)

def job(args):
    p, alt = args
    q = work(suite.alter(me._open(p), p.name, alt))
    g = cv2.cvtColor(q, cv2.COLOR_RGB2GRAY).astype(np.float32)
    hq, wq = g.shape
    z = np.zeros(len(RT), np.float32)
    for (wc, hc), members in groups.items():
        sx, sy = wq / wc, hq / hc
        if sx >= 0.95 or sy >= 0.95 or sx < 0.3 or sy < 0.3:
            continue  # whole tile or more: the plain thumbnail witness's job
        z[members] = zs(patch(g, min(sx, 1), min(sy, 1)), members)
    return p.name, alt, z

if __name__ == '__main__':
    me._single_thread()
    jobs = [(p, a) for p in files[::EVERY] for a in ALTS]
    t0 = time.time()
    with Pool(2, initializer=me._single_thread) as pool:
        out = pool.map(job, jobs, chunksize=8)
    print('time', time.time() - t0)
    regn = [p.name for p in registered]
    import pickle; pickle.dump((out, regn), open('/tmp/lab/pixcrop.pkl', 'wb'))
    for thr, k in [(7, 1.0), (8, 1.5), (10, 2), (12, 2.5), (14, 2.5)]:
        line = []
        dis_flag = 0; dis_n = 0
        for a in ALTS:
            f = n = 0
            for name, alt, z in out:
                if alt != a: continue
                order = np.argsort(-z); top, second = z[order[0]], z[order[1]]
                flag = top >= thr and top >= k * second
                if name in regn:
                    n += 1; f += flag and order[0] == regn.index(name)
                else:
                    dis_n += 1; dis_flag += flag
            line.append(f'{a}:{f / max(n, 1):.2f}')
        print(thr, k, 'distractor flagged %.4f' % (dis_flag / dis_n), ' '.join(line), flush=True)
