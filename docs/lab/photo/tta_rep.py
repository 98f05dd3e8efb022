import pickle, json, numpy as np, sys
R = pickle.load(open("/tmp/lab/tta.pkl", "rb")); reg = R["reg"]; idx = {n: i for i, n in enumerate(reg)}
DER = {"subtle-binding_dark.png","subtle-darkdenim3.png","subtle-little_pluses.png","subtle-perforated_white_leather.png","subtle-triangular.png","subtle-tweed.png","subtle-white_texture.png"}
rows = {(r["file"], r["alteration"]): r for r in map(json.loads, open("/tmp/full_rows.jsonl"))}
stats = []
for name, alt, cos in R["res"]:
    c0 = cos[0]; L = int(np.argmax(c0)); srt = np.sort(c0)
    m = float(srt[-1] - srt[-2])
    agree = int(sum(int(np.argmax(cos[k])) == L for k in range(1, 6)))
    # crops' own margins for L
    r = rows[(name, alt)]
    kind = "reg" if name in idx else ("der" if name in DER else "unrel")
    stats.append((kind, name, alt, L, m, agree, float(c0[L]), r["found"], r["flagged"], idx.get(name, -1)))
for kind in ("reg", "unrel"):
    S = [s for s in stats if s[0] == kind]
    print(kind, len(S))
    if kind == "reg":
        right = [s for s in S if s[3] == s[9]]
        print("  leader is the original:", len(right), " of them missed by the engine:", sum(not s[7] for s in right))
    for agree_min in (3, 4, 5):
        for m0 in (0.0, 0.03, 0.05, 0.1):
            P = [s for s in S if s[4] >= m0 and s[5] >= agree_min]
            if kind == "reg":
                new = [s for s in P if s[3] == s[9] and not s[7]]; wrong = [s for s in P if s[3] != s[9]]
                print(f"  agree>={agree_min} margin>={m0}: pass {len(P)}, new finds {len(new)}, wrong leader {len(wrong)}")
            else:
                newf = [s for s in P if not s[8]]
                print(f"  agree>={agree_min} margin>={m0}: pass {len(P)} ({len(P)/len(S):.3f}), not flagged before {len(newf)}")
