import os, sys, time
sys.path.insert(0, '/tmp/lab/pool'); from mapdiag import *

def one(job):
    name, alt = job
    a, cand, q, qd, cd, T = setup(name, alt)
    qh, qw = qd.grey.shape
    centre = np.array([qw / 2, qh / 2])
    Ti = np.linalg.inv(T)
    x0 = E._project(T, centre); eps = 0.5
    J = np.stack([(E._project(Ti, x0 + d) - E._project(Ti, x0 - d)) / (2 * eps) for d in (np.array([eps, 0]), np.array([0, eps]))], 1)
    p = params(J)
    grid = E._photo_grid(); g = np.array(grid)
    dist = np.sqrt((((g - p) / STEPS) ** 2).sum(1))
    nearest = int(np.argmin(dist))
    pq = E._PhotoQuery.of(q); agr = pq.agreement(cand)
    shape = cd.grey.shape
    full = E._PhotoTarget(cd.grey)
    fine = E._FineGrey.of(q, qd)
    searching = E._FineGrey(fine.grey, fine.from_detail, 2) if fine is not None else None
    ws = (shape[1] // 2, shape[0] // 2)
    cen = np.array([qw / 2, qh / 2], np.float32)
    def to_query(A):
        m = np.eye(3); m[:2, :2] = A; m[:2, 2] = cen - A @ (np.array(ws) / 2); return m
    def fp_(pp):
        if searching is None:
            return full.peak(E._photo_window(qd.grey, E._photo_affine(pp), cen, shape))
        return full.peak(searching.sampled(to_query(E._photo_affine(pp)), (0.0, 0.0), ws))
    order = np.argsort(-agr, kind='stable')
    t0 = time.process_time()
    top = [(fp_(grid[i]), i) for i in order[:100]]
    tfull = (time.process_time() - t0) / 100
    far = [z for z, i in top if dist[i] > 1.5]
    near = [z for z, i in top if dist[i] <= 1.5]
    allnear = [fp_(grid[i]) for i in np.nonzero(dist <= 1.0)[0]]
    return name, alt, dict(full_truth=round(fp_(p), 1), full_nearest=round(fp_(grid[nearest]), 1), best_near_grid=round(max(allnear), 1) if allnear else None,
                           top100_far_max=round(max(far), 1) if far else None, top100_near_max=round(max(near), 1) if near else None, ms=round(tfull * 1000, 2), nearest_dist=round(float(dist[nearest]), 2))

if __name__ == "__main__":
    jobs = [tuple(l.strip().split("|")) for l in open(sys.argv[1]) if l.strip()]
    with Pool(2) as pool:
        out = pool.map(one, jobs, chunksize=1)
    for o in out: print(o)
    import collections
    ok = sum(1 for o in out if o[2]['best_near_grid'] and o[2]['best_near_grid'] > (o[2]['top100_far_max'] or 0))
    print('best near-grid full peak over the top-100 far max:', ok, 'of', len(out))
