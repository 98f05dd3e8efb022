import pickle, sys, numpy as np
R = pickle.load(open(sys.argv[1], "rb")); reg = R["reg"]
DER = {"subtle-binding_dark.png","subtle-darkdenim3.png","subtle-little_pluses.png","subtle-perforated_white_leather.png","subtle-triangular.png","subtle-tweed.png","subtle-white_texture.png"}
def shipped(o):
    z, n, lz, ln = o[0], o[1], o[2], o[3]
    return ((z >= 14) & (n >= 0.3)) | ((z >= 8) & (n >= 0.6)) | ((z >= 14) & (lz >= 14) & (ln >= 0.4)) | ((lz >= 8) & (ln >= 0.65))
print("derived present:", sorted({n for n, a in R["res"]} & DER))
for T in (8, 10, 12, 14):
    vals = []
    for (name, alt), o in R["res"].items():
        if name in DER: continue
        b = np.where(o[0] >= T, o[4], 0); bl = np.where(o[2] >= T, o[5], 0)
        m = np.maximum(b, bl); m[shipped(o)] = 0  # already passing: not new
        j = int(np.argmax(m))
        vals.append((float(m[j]), name, alt, reg[j], float(o[0, j]), float(o[1, j]), float(o[2, j]), float(o[3, j]), float(o[4, j]), float(o[5, j])))
    vals.sort(reverse=True)
    print("T", T, "top (newly passing only):")
    for v in vals[:10]: print("   %.3f %s %s vs %s z %.1f n %.2f lz %.1f ln %.2f B %.2f BL %.2f" % v)
    arr = np.array([v[0] for v in vals])
    print("   unrelated queries (of %d) with new max >= 0.3/0.35/0.4/0.45/0.5:" % len(arr), [(int((arr >= x).sum())) for x in (0.3, 0.35, 0.4, 0.45, 0.5)])
