"""Lab: a perspective-fitting detail witness for market photos.

(1) scale and rotation of the query against a candidate tile by Fourier-Mellin
(log-polar magnitude spectra, phase-correlated), (2) the query resampled into the tile's
frame and cut into patches, each phase-correlated with the periodic tile (a shift modulo
the tile), (3) a homography fitted to the patches' positions (RANSAC), (4) the query
rectified onto one tile and aligned as engine item 12 does: (z, ncc)."""
import numpy as np, cv2, scipy.fft

NR, NA = 128, 90
FMIN, FMAX = 1 / 64, 0.3

def _spectrum(img, periodic):
    g = img - img.mean()
    if periodic:
        g = np.tile(g, (2, 2))
    h, w = g.shape
    win = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    m = np.abs(np.fft.fftshift(np.fft.fft2(g * win)))
    return np.log1p(m / (m.mean() + 1e-9)).astype(np.float32)

def _logpolar(mag):
    h, w = mag.shape
    rho = np.linspace(np.log(FMIN), np.log(FMAX), NR)
    phi = np.arange(NA) * np.pi / NA
    f = np.exp(rho)[None, :]
    fx = f * np.cos(phi)[:, None]; fy = f * np.sin(phi)[:, None]
    mx = (w // 2 + fx * w).astype(np.float32); my = (h // 2 + fy * h).astype(np.float32)
    lp = cv2.remap(mag, mx, my, cv2.INTER_LINEAR)
    lp = lp - lp.mean(axis=0, keepdims=True)  # per radius: the radial fall-off is no pattern
    return lp

def _lp_of_tile(c):
    return _logpolar(_spectrum(c, True))

def scale_rotation(q, c, lpc=None, peaks=3):
    """Candidates for (s, theta): query px = s * R(theta) * tile px."""
    lq = _logpolar(_spectrum(q, False)); lpc = _lp_of_tile(c) if lpc is None else lpc
    # pad the radius axis (not periodic); the angle axis is periodic over pi
    a = np.zeros((NA, 2 * NR), np.float32); b = np.zeros((NA, 2 * NR), np.float32)
    a[:, :NR] = lq * np.hanning(NR)[None]; b[:, :NR] = lpc * np.hanning(NR)[None]
    cross = np.fft.fft2(a) * np.conj(np.fft.fft2(b))
    cross /= np.abs(cross) + 1e-3 * np.abs(cross).mean()
    surf = np.real(np.fft.ifft2(cross))
    out = []
    s2 = surf.copy()
    for _ in range(peaks):
        i = int(s2.argmax()); da, dr = np.unravel_index(i, s2.shape)
        val = s2[da, dr]
        s2[max(0, da-2):da+3, max(0, dr-3):dr+4] = -1e9
        if da == 0: s2[-2:, max(0, dr-3):dr+4] = -1e9
        dr = dr if dr < NR else dr - 2 * NR
        step = (np.log(FMAX) - np.log(FMIN)) / (NR - 1)
        # query spectrum at rho + dr*step equals tile's at rho: f_q = f_c * e^{dr step}
        # a feature of tile period P has query period P*s, so f_q = f_c / s
        s = float(np.exp(-dr * step))
        theta = float(da * np.pi / NA)
        out.append((s, theta, float(val)))
    return out

def _warp_query_to_frame(q, A, qc, shape_out, oc):
    """Sample query at q = A (u - oc) + qc for u over an array of shape_out."""
    h, w = shape_out
    M = np.zeros((2, 3), np.float32)
    M[:, :2] = A; M[:, 2] = qc - A @ oc
    valid = cv2.warpAffine(np.ones_like(q), M, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderValue=0)
    img = cv2.warpAffine(q, M, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return img, valid

def _taper(n):
    m = max(2, n // 8); e = 0.5 - 0.5 * np.cos(np.pi * np.arange(m) / m)
    v = np.ones(n, np.float32); v[:m] = e[:n]; v[-m:] = e[::-1][-n:]; return v

def _phase(patch, C, Cspec):
    """Phase-correlate a (mean-removed, tapered) patch placed at the tile's origin."""
    pad = np.zeros(C.shape, np.float32); ph, pw = patch.shape
    pad[:ph, :pw] = patch
    cross = scipy.fft.rfft2(pad) * np.conj(Cspec)
    mag = np.abs(cross); cross /= mag + 0.1 * mag.mean() + 1e-9; cross[0, 0] = 0
    surf = scipy.fft.irfft2(cross, s=C.shape)
    i = int(np.abs(surf).argmax()); dy, dx = np.unravel_index(i, C.shape)
    z = abs(float(surf.flat[i])) / (float(np.sqrt((surf * surf).mean())) + 1e-12)
    return z, dy, dx

def _wrap(v, n):
    return (v + n / 2) % n - n / 2

def align(q, c, P=64, grid=(5, 4), patch_z=6.0, lpc=None, sr=None, debug=False, A_override=None):
    """Return (z, ncc, inliers, s) of the best perspective alignment of query q to tile c."""
    C = c.astype(np.float32); Cspec = scipy.fft.rfft2(C)
    N = np.array([C.shape[1], C.shape[0]], np.float32)  # x, y
    P = int(min(P, C.shape[0], C.shape[1]))
    best = (0.0, 0.0, 0, 0.0)
    qh, qw = q.shape
    qc = np.array([qw / 2, qh / 2], np.float32)
    for s, theta, _v in (sr or scale_rotation(q, c, lpc)):
        for th in (theta, theta + np.pi):
            R = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]], np.float32)
            A = (s * R).astype(np.float32)
            if A_override is not None:
                if th != theta: continue
                A = np.asarray(A_override, np.float32)
            # the query's extent in the tile frame
            ext = np.abs(np.linalg.inv(A)) @ np.array([qw, qh], np.float32)
            W_, H_ = int(min(ext[0], 4 * N[0])), int(min(ext[1], 4 * N[1]))
            if W_ < P or H_ < P:
                continue
            oc = np.array([W_ / 2, H_ / 2], np.float32)
            Qt, valid = _warp_query_to_frame(q, A, qc, (H_, W_), oc)
            src, dst, zs = [], [], []
            for gy in np.linspace(0, H_ - P, grid[1]):
                for gx in np.linspace(0, W_ - P, grid[0]):
                    y0, x0 = int(gy), int(gx)
                    if valid[y0:y0+P, x0:x0+P].mean() < 0.95:
                        continue
                    patch = Qt[y0:y0+P, x0:x0+P]
                    patch = (patch - patch.mean()) * np.outer(_taper(P), _taper(P))
                    z, dy, dx = _phase(patch, C, Cspec)
                    if debug:
                        print(f"    patch ({x0},{y0}) z {z:.1f} off {(P/2-dx - x0 - P/2) % N[0]:.0f},{(P/2-dy - y0 - P/2) % N[1]:.0f}")
                    if z < patch_z:
                        continue
                    # Qt pixel (x0 + x) <-> tile pixel (x - dx): Qt point -> tile = u - x0 - dx
                    src.append([x0 + P / 2, y0 + P / 2])
                    dst.append([P / 2 - dx, P / 2 - dy])
                    zs.append(z)
            if len(src) < 4:
                continue
            src = np.array(src, np.float32); dst = np.array(dst, np.float32)
            best_h, best_in = None, 0
            off = dst - src
            for r in range(len(src)):
                d = src + off[r] + _wrap(off - off[r], N)
                H, mask = cv2.findHomography(src, d, cv2.RANSAC, 3.0)
                if H is None:
                    continue
                k = int(mask.sum())
                if k > best_in:
                    best_in, best_h = k, H
            if best_h is None or best_in < 4:
                continue
            # rectify one tile of the query: tile-frame window around the image of Qt's centre
            p0 = cv2.perspectiveTransform(oc[None, None], best_h)[0, 0]
            h, w = C.shape
            uu, vv = np.meshgrid(p0[0] - w / 2 + np.arange(w), p0[1] - h / 2 + np.arange(h))
            pts = np.stack([uu, vv], -1).astype(np.float32).reshape(-1, 1, 2)
            Hinv = np.linalg.inv(best_h)
            qt = cv2.perspectiveTransform(pts, Hinv).reshape(h, w, 2)
            qq = (qt - oc) @ A.T + qc
            mx, my = qq[..., 0].astype(np.float32), qq[..., 1].astype(np.float32)
            rect = cv2.remap(q, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            vmask = cv2.remap(np.ones_like(q), mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            inside = vmask > 0.99
            if inside.mean() < 0.3:
                continue
            rect = np.where(inside, rect - rect[inside].mean(), 0).astype(np.float32)
            # soft edge where the valid region ends
            soft = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 4) * inside
            rect *= soft
            # the window starts at p0 - (w/2, h/2): tile coords of rect pixel (x, y)
            ox, oy = int(round(p0[0] - w / 2)) % w, int(round(p0[1] - h / 2)) % h
            under = np.roll(np.roll(C, -oy, 0), -ox, 1)
            # alignment statistics: phase-correlate rect against the tile (peak near ox, oy)
            z, dy, dx = _phase(rect, C, Cspec)
            rows = (np.arange(h) - dy) % h; cols = (np.arange(w) - dx) % w
            und = C[np.ix_(rows, cols)]
            m = soft > 0
            a_ = rect[m]; b_ = und[m] - und[m].mean()
            ncc = float((a_ * b_).sum() / (np.sqrt((a_ * a_).sum() * (b_ * b_).sum()) + 1e-9))
            if debug:
                print(f"  s {s:.3f} th {np.degrees(th):6.1f} patches {len(src)} inliers {best_in} z {z:.1f} ncc {ncc:.2f} shift ({dx},{dy}) expect ({ox},{oy})")
            if z > best[0]:
                best = (z, abs(ncc), best_in, s)
    return best
