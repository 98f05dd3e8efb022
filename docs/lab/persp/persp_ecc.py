"""Lab: FM similarity -> low-passed phase correlation for the shift -> ECC (affine, then
homography) of the query detail onto the tiled candidate detail -> one tile of the query
rectified -> engine item 12's alignment statistics (z, ncc, lp_z, lp_ncc)."""
import numpy as np, cv2, scipy.fft
from scipy import ndimage
from persp import scale_rotation, _lp_of_tile
from search import engine, fingerprint as fp

class _Q:
    def __init__(self, d): self._d = d
    def detail(self): return self._d

def _lowpass_phase(a, C, sigma):
    """Whitened correlation of a (zero-padded to C's shape) with periodic C, low-passed."""
    shape = C.shape
    pad = np.zeros(shape, np.float32); pad[:a.shape[0], :a.shape[1]] = a
    cross = scipy.fft.rfft2(pad) * np.conj(scipy.fft.rfft2(C))
    mag = np.abs(cross); cross /= mag + 0.1 * mag.mean() + 1e-9; cross[0, 0] = 0
    fy = np.fft.fftfreq(shape[0])[:, None]; fx = np.fft.rfftfreq(shape[1])[None]
    cross *= np.exp(-2 * np.pi ** 2 * sigma ** 2 * (fx ** 2 + fy ** 2))
    surf = scipy.fft.irfft2(cross, s=shape)
    i = int(np.abs(surf).argmax()); dy, dx = np.unravel_index(i, shape)
    return abs(float(surf.flat[i])) / (np.sqrt((surf * surf).mean()) + 1e-12), dx, dy

def rectify(q, c, cd_fx, W, reps):
    """One tile of the query in the tile frame; W maps query px -> big px (3x3)."""
    h, w = c.shape
    qh, qw = q.shape
    c0 = W @ np.array([qw / 2, qh / 2, 1.0]); c0 = c0[:2] / c0[2]
    uu, vv = np.meshgrid(c0[0] - w / 2 + np.arange(w), c0[1] - h / 2 + np.arange(h))
    pts = np.stack([uu, vv, np.ones_like(uu)], -1) @ np.linalg.inv(W).T
    mx = (pts[..., 0] / pts[..., 2]).astype(np.float32); my = (pts[..., 1] / pts[..., 2]).astype(np.float32)
    r = cv2.remap(q, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    r = (r - r.mean()) / (r.std() + 1e-3)
    return fp.Detail(r.astype(np.float32), cd_fx, cd_fx)

def hypotheses(q, c, lpc=None, peaks=3, grid=(0.92, 1.0, 1.08)):
    """(z0, Ainv, M, dx, dy) for FM peaks x flips x small scale/aspect changes, best first."""
    h, w = c.shape; qh, qw = q.shape
    out = []
    for s, theta, _v in scale_rotation(q, c, lpc, peaks=peaks):
        for th in (theta, theta + np.pi):
            R = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
            for fs in grid:
                for fa in grid:
                    Ainv = np.diag([1 / (s * fs), 1 / (s * fs * fa)]) @ R.T
                    M = np.zeros((2, 3)); M[:, :2] = Ainv; M[:, 2] = np.array([w / 2, h / 2]) - Ainv @ [qw / 2, qh / 2]
                    qt = cv2.warpAffine(q, M, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
                    valid = cv2.warpAffine(np.ones_like(q), M, (w, h), flags=cv2.INTER_LINEAR) > 0.99
                    if valid.mean() < 0.2:
                        continue
                    qt = np.where(valid, qt - qt[valid].mean(), 0).astype(np.float32)
                    qt *= cv2.GaussianBlur(valid.astype(np.float32), (0, 0), 4)
                    z0, dx, dy = _lowpass_phase(qt, c, 2.0)
                    out.append((z0, Ainv, M, dx, dy, s * fs, th))
    out.sort(key=lambda r: -r[0])
    return out

def align(qd, cd, lpc=None, peaks=3, reps=4, debug=False, iters=(30, 30), z0_min=0.0, tries=1):
    q = qd.grey.astype(np.float32); c = cd.grey.astype(np.float32)
    h, w = c.shape; qh, qw = q.shape
    big = np.tile(c, (reps, reps))
    best = None
    hyps = hypotheses(q, c, lpc, peaks)
    for z0, Ainv, M, dx, dy, s, th in hyps[:tries]:
        if z0 < z0_min:
            break
        W = np.eye(3); W[:2, :2] = Ainv; W[:2, 2] = M[:, 2] - [dx, dy] + np.array([w, h]) * (reps // 2)
        Wf = W[:2].astype(np.float32)
        try:
            cc, Wf = cv2.findTransformECC(q, big, Wf, cv2.MOTION_AFFINE,
                                          (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, iters[0], 1e-4), None, 5)
            W3 = np.vstack([Wf, [0, 0, 1]]).astype(np.float32)
            cc, W3 = cv2.findTransformECC(q, big, W3, cv2.MOTION_HOMOGRAPHY,
                                          (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, iters[1], 1e-4), None, 3)
        except cv2.error as e:
            if debug: print(f"  s {s:.3f} th {np.degrees(th):6.1f} z0 {z0:.1f} ECC failed")
            continue
        rd = rectify(q, c, cd.fx, W3.astype(np.float64), reps)
        al = engine._detail_alignments(_Q(rd), [_Q(cd)])[0]
        if debug:
            print(f"  s {s:.3f} th {np.degrees(th):6.1f} z0 {z0:.1f} cc {cc:.3f} -> z {al.z:.1f} ncc {al.ncc:.2f} lp {al.lp_z:.1f}/{al.lp_ncc:.2f}")
        key = max(al.z * (al.ncc >= 0.3), al.lp_z * (al.lp_ncc >= 0.4))
        if best is None or (key, al.z) > best[0]:
            best = ((key, al.z), al, cc, z0)
    return best, hyps[0][0] if hyps else 0.0
