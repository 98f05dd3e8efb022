import sys, pickle, time
import os, cv2
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, "/tmp/lab")
from net import Net
torch.set_num_threads(2)
CROP = int(sys.argv[2]) if len(sys.argv) > 2 else 96
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
WIDTH = [int(x) for x in (sys.argv[3] if len(sys.argv) > 3 else "24,48,96,128").split(",")]
SCALE_AUG = os.environ.get('SCALE_AUG') == '1'
OUT = sys.argv[4] if len(sys.argv) > 4 else "/tmp/lab/model.pt"

def crops(arrs, rng, n):
    out = np.zeros((n, 1, CROP, CROP), np.float32)
    for i, a in enumerate(arrs):
        a = a.astype(np.float32)
        if SCALE_AUG and rng.random() < 0.5:
            f = 2 ** rng.uniform(-1, 1)
            a = cv2.resize(a, (max(16, round(a.shape[1] * f)), max(16, round(a.shape[0] * f))), interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
        h, w = a.shape
        if h < CROP or w < CROP:
            a = np.pad(a, ((0, max(0, CROP - h)), (0, max(0, CROP - w))), mode="wrap")
            h, w = a.shape
        y, x = rng.integers(0, h - CROP + 1), rng.integers(0, w - CROP + 1)
        c = a[y:y + CROP, x:x + CROP]
        k = rng.integers(8)
        c = np.rot90(c, k % 4)
        if k >= 4: c = c[:, ::-1]
        out[i, 0] = c
    return out

if __name__ == "__main__":
    bank = pickle.load(open("/tmp/lab/bank.pkl", "rb"))
    names = sorted(bank)
    views = [bank[n] for n in names]
    C = len(names)
    net = Net(WIDTH)
    proxies = nn.Parameter(torch.randn(C, 128) * 0.1)
    opt = torch.optim.AdamW(list(net.parameters()) + [proxies], lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=STEPS, pct_start=0.1)
    rng = np.random.default_rng(0)
    B = 128; s, m = 24.0, 0.2
    t0 = time.time()
    for step in range(STEPS):
        cls = rng.integers(0, C, B)
        arrs = [views[c][rng.integers(len(views[c]))] for c in cls]
        x = torch.from_numpy(crops(arrs, rng, B))
        y = torch.from_numpy(cls)
        e = net(x)
        logits = e @ F.normalize(proxies, dim=1).T
        logits = s * (logits - m * F.one_hot(y, C))
        loss = F.cross_entropy(logits, y)
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        if step % 100 == 0 or step == STEPS - 1:
            acc = (logits.argmax(1) == y).float().mean().item()
            print(f"{step} loss {loss.item():.3f} acc {acc:.2f} {time.time()-t0:.0f}s", flush=True)
    torch.save(net.state_dict(), OUT)
