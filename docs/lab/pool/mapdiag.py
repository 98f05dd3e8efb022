"""Lab: for each photo, the truth's local affine at the photo's centre in the search's
parameters, whether the grid holds it, the spectral agreement's rank of the grid point
nearest it, the half peak there, and the quick search's own c1 and final best."""
import os, sys
sys.path.insert(0, '/tmp/lab/pool'); from diag36 import *
STEPS = np.array([E.PHOTO_SCALE_STEP, np.radians(E.PHOTO_TURN_STEP), E.PHOTO_SKEW_STEP, E.PHOTO_SKEW_STEP])

def params(A):
    # A = s R(t) [[e^a, h], [0, e^-a]]: QR decomposition
    s = np.sqrt(abs(np.linalg.det(A)))
    B = A / s
    t = np.arctan2(B[1, 0], B[0, 0])
    c, si = np.cos(t), np.sin(t)
    U = np.array([[c, si], [-si, c]]) @ B  # upper triangular
    return (np.log(s), t, np.log(abs(U[0, 0])), U[0, 1] / U[0, 0] * 1.0)

def one(job):
    name, alt = job
    a, cand, q, qd, cd, T = setup(name, alt)
    qh, qw = qd.grey.shape
    centre = np.array([qw / 2, qh / 2])
    Ti = np.linalg.inv(T)
    # Jacobian of Ti (candidate px -> query px) at T(centre)
    x0 = E._project(T, centre)
    eps = 0.5
    J = np.stack([(E._project(Ti, x0 + d) - E._project(Ti, x0 - d)) / (2 * eps) for d in (np.array([eps, 0]), np.array([0, eps]))], 1)
    p = params(J)
    chk = E._photo_affine(p)
    grid = E._photo_grid(); g = np.array(grid)
    nearest = int(np.argmin((((g - p) / STEPS) ** 2).sum(1)))
    pq = E._PhotoQuery.of(q)
    agr = pq.agreement(cand)
    rank = int((agr > agr[nearest]).sum())
    shape = cd.grey.shape
    half = E._PhotoTarget(cv2.resize(cd.grey, (shape[1] // 2, shape[0] // 2), interpolation=cv2.INTER_AREA))
    cen = np.array([qw / 2, qh / 2], np.float32)
    hp = lambda pp: half.peak(E._photo_window(qd.grey, 2 * E._photo_affine(pp), cen, half.shape))
    order = np.argsort(-agr, kind='stable')[:100]
    best100 = max(hp(grid[i]) for i in order)
    inrange = [E.PHOTO_SCALES[0] <= np.exp(p[0]) <= E.PHOTO_SCALES[1], abs(np.degrees(p[1])) <= E.PHOTO_TURN, abs(p[2]) <= E.PHOTO_SKEW, abs(p[3]) <= E.PHOTO_SKEW]
    return name, alt, dict(p=np.round([np.exp(p[0]), np.degrees(p[1]), p[2], p[3]], 3).tolist(), fit=float(np.abs(chk - J).max()),
                          inrange=inrange, agr_rank=rank, half_at_truth=round(hp(p), 1), half_at_nearest=round(hp(grid[nearest]), 1), best100=round(best100, 1))

if __name__ == "__main__":
    jobs = [tuple(l.strip().split("|")) for l in open(sys.argv[1]) if l.strip()]
    with Pool(2) as pool:
        out = pool.map(one, jobs, chunksize=1)
    for o in out: print(o)
