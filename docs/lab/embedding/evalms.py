import sys, pickle
import numpy as np, torch, cv2
sys.path.insert(0, "/tmp/lab")
from common import reg, dis, is_train, suite
from net import Net
torch.set_num_threads(1)
MODEL = sys.argv[1]
W = [int(x) for x in sys.argv[2].split(",")]
SCALES = [float(x) for x in sys.argv[3].split(",")]
ORIENT = int(sys.argv[4]) if len(sys.argv) > 4 else 8
net = Net(W); net.load_state_dict(torch.load(MODEL)); net.eval()
Q = pickle.load(open("/tmp/lab/queries.pkl", "rb"))
def emb(a, wrap=False):
    a = a.astype(np.float32)
    if wrap: a = np.pad(a, 16, mode="wrap")
    with torch.no_grad():
        return net(torch.from_numpy(np.ascontiguousarray(a))[None, None]).numpy()[0]
def embreg(a):
    a = a.astype(np.float32); outs = []
    for s in SCALES:
        b = a if s == 1 else cv2.resize(a, (max(16, round(a.shape[1]*s)), max(16, round(a.shape[0]*s))), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        for k in range(ORIENT):
            c = np.rot90(b, k % 4)
            if k >= 4: c = c[:, ::-1]
            outs.append(emb(c, True))
    return np.stack(outs)
regn = [p.name for p in reg]
R = np.stack([embreg(Q[n]["original"]) for n in regn])
alts = list(suite.ALTERATIONS)
E = {(p.name, alt): emb(Q[p.name][alt]) for p in reg + dis for alt in alts}
pickle.dump({"R": R, "E": E, "regn": regn}, open(MODEL + ".E.pkl", "wb"))
