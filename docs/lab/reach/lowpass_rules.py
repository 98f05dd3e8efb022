import pickle, sys, numpy as np
sys.path.insert(0,'/tmp/lab/lead')
out = pickle.load(open(sys.argv[1] if len(sys.argv)>1 else 'lp.pkl','rb'))
derived = pickle.load(open('/tmp/lab/lead/derived.pkl','rb')) if False else set()
def passes(a, s, zc, close, zlp, lp):
    z, ncc, lz, lncc = a[:,0], a[:,1], a[:,2], a[:,3]
    return ((z >= 14) & (lz >= zlp) & (lncc >= lp)) | ((lz >= zc) & (lncc >= close))
for s in sorted(out[0][3]):
    for (zc, close, zlp, lp) in [(8, .65, 14, .4), (8, .7, 14, .45), (8,.75,14,.5), (10,.7,14,.45), (9,.7,14,.5), (8,.8,14,.5)]:
        per = {}
        dis = {}
        for name, alt, truth, res in out:
            a = res[s]; p = passes(a, s, zc, close, zlp, lp)
            if truth >= 0:
                others = np.delete(p, truth)
                per.setdefault(alt, []).append((p[truth], others.any()))
            else:
                dis.setdefault(alt, []).append(p.any())
        line = f"sigma {s} close z{zc} ncc{close} | lp z{zlp} ncc{lp}: "
        for alt in per:
            t = np.array(per[alt]); line += f"{alt}: orig {t[:,0].mean():.3f} wrong {t[:,1].mean():.3f} "
        for alt in dis: line += f"| dis {alt} {np.mean(dis[alt]):.3f} "
        print(line)
