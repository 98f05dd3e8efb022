import sys, pickle
import numpy as np, torch
sys.path.insert(0, "/tmp/lab")
from common import reg, dis, is_train, suite
_a = sys.argv; sys.argv = sys.argv[:1]
from train import Net
sys.argv = _a
torch.set_num_threads(2)
MODEL = sys.argv[1] if len(sys.argv) > 1 else "/tmp/lab/model.pt"
W = [int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "24,48,96,128").split(",")]
net = Net(W); net.load_state_dict(torch.load(MODEL)); net.eval()
Q = pickle.load(open("/tmp/lab/queries.pkl", "rb"))

def emb(a, wrap=False):
    a = a.astype(np.float32)
    if wrap:
        a = np.pad(a, 16, mode="wrap")
    with torch.no_grad():
        return net(torch.from_numpy(a)[None, None]).numpy()[0]

def emb8(a, wrap=True):
    outs = []
    for k in range(8):
        c = np.rot90(a, k % 4)
        if k >= 4: c = c[:, ::-1]
        outs.append(emb(np.ascontiguousarray(c), wrap))
    return np.stack(outs)

regn = [p.name for p in reg]
R = np.stack([emb8(Q[n]["original"]) for n in regn])  # N×8×D
alts = list(suite.ALTERATIONS)
rows = {}
for p in reg + dis:
    for alt in alts:
        q = emb(Q[p.name][alt])
        sims = (R @ q).max(axis=1)
        order = np.argsort(-sims)
        rows[(p.name, alt)] = (sims, order)
# distractor max sims
dmax = np.array([rows[(p.name, a)][0].max() for p in dis for a in alts])
# margin version: top1 - top2
def margin(s):
    t = np.sort(s)[-2:]; return t[1] - t[0]
dmar = np.array([margin(rows[(p.name, a)][0]) for p in dis for a in alts])
thr = np.quantile(dmax, 0.99)
print("threshold at 1% distractors:", round(float(thr), 3))
names = {n: i for i, n in enumerate(regn)}
tot = {"seen": [], "unseen": []}
print(f"{'alteration':28s} rank@5 seen/unseen  @1%FP seen/unseen")
allr, allf = [], []
for alt in alts:
    r = {"seen": [], "unseen": []}; f = {"seen": [], "unseen": []}
    for p in reg:
        sims, order = rows[(p.name, alt)]
        i = names[p.name]
        k = "seen" if is_train(p) else "unseen"
        top5 = i in order[:5]
        r[k].append(top5); f[k].append(top5 and sims[i] > thr)
    allr.append(np.mean(r["seen"] + r["unseen"])); allf.append(np.mean(f["seen"] + f["unseen"]))
    tot["seen"].append(np.mean(f["seen"])); tot["unseen"].append(np.mean(f["unseen"]))
    print(f"{alt:28s} {np.mean(r['seen']):.2f}/{np.mean(r['unseen']):.2f}   {np.mean(f['seen']):.2f}/{np.mean(f['unseen']):.2f}")
print("mean rank@5", round(np.mean(allr), 3), "mean @1%", round(np.mean(allf), 3), "seen", round(np.mean(tot["seen"]), 3), "unseen", round(np.mean(tot["unseen"]), 3))
pickle.dump({"rows": rows, "regn": regn, "thr": thr}, open(MODEL + ".rows.pkl", "wb"))
