"""Per-design null of the detail witness: z of a bank of generated textures (as is
and JPEG 30) against every registered design, at the design's pixel scale."""
import os, sys, time
sys.argv = [sys.argv[0], sys.argv[1]]
exec(open('/tmp/lab/detail.py').read().split('if __name__ == "__main__":')[0])
NB = int(os.environ.get("NB", "32"))
BANK_SEED = 2_000_000

def bank_one(k):
    t = suite.synthetic_texture(BANK_SEED + k // 2)
    if k % 2:
        t = suite._jpeg(t, 30)
    name = f"bank{k}"
    class P: pass
    return k, t

def run(k):
    k, t = bank_one(k)
    # reuse one(): fake a path object whose alteration is identity
    work = fp._work_array(Image.fromarray(t))
    global _T
    _T = t
    return k, one_arr(t)

src = open('/tmp/lab/detail.py').read()
body = src.split("def one(job):")[1].split("    return path.name, alt, zs")[0]
body = body.replace("    path, alt = job\n    q = suite.alter(_open(path), path.name, alt)\n", "")
exec("def one_arr(q):" + body + "    return zs\n")

if __name__ == "__main__":
    t0 = time.time()
    with Pool(2, initializer=_init) as pool:
        res = dict(pool.imap_unordered(run, range(2 * NB)))
    B = np.stack([res[k] for k in range(2 * NB)], 1)  # designs x bank
    np.save(os.environ.get("OUT", f"/tmp/lab/bank_{D}.npy"), B)
    print("done", round(time.time() - t0), B.shape)
    print("per-design bank max: median", np.median(B.max(1)), "p90", np.percentile(B.max(1), 90))
    regn = [p.name for p in reg]
    for i in np.argsort(-B.max(1))[:12]:
        print(regn[i], B[i].max().round(1), B[i].mean().round(1), B[i].std().round(1))
