import sys, numpy as np, torch
sys.path.insert(0, "/tmp/lab")
from net import Net
W = [int(x) for x in sys.argv[2].split(",")]
net = Net(W); net.load_state_dict(torch.load(sys.argv[1])); net.eval()
out = {}
convs = [(net.c1, net.b1), (net.c2, net.b2), (net.c3, net.b3), (net.c4, net.b4)]
for i, (c, b) in enumerate(convs):
    w = c.weight.detach().numpy()  # out,in,k,k
    g = (b.weight / torch.sqrt(b.running_var + b.eps)).detach().numpy()
    shift = (b.bias - b.running_mean * b.weight / torch.sqrt(b.running_var + b.eps)).detach().numpy()
    k = w.shape[2]
    wm = w.transpose(2, 3, 1, 0).reshape(k * k * w.shape[1], w.shape[0])
    if i == 0:
        out["scale0"] = g; out["w0"] = wm; out["b0"] = shift
    else:
        out[f"w{i}"] = wm * g[None]; out[f"b{i}"] = shift
    out[f"k{i}"] = np.array(k); out[f"s{i}"] = np.array(c.stride[0])
out["fc_w"] = net.fc.weight.detach().numpy().T; out["fc_b"] = net.fc.bias.detach().numpy()
np.savez(sys.argv[3], **{k: (v.astype(np.float16) if v.dtype == np.float32 else v) for k, v in out.items()})
# check
import pickle
sys.path.insert(0, "/work/main")
from search import embedding
Q = pickle.load(open("/tmp/lab/queries.pkl", "rb"))
a = next(iter(Q.values()))["market_photo"].astype(np.float32)
netnp = embedding.network.__wrapped__(__import__("pathlib").Path(sys.argv[3]))
import time; t = time.time(); e1 = embedding.embed(a, netnp); print("np ms", (time.time()-t)*1000, a.shape)
with torch.no_grad(): e2 = net(torch.from_numpy(a)[None, None]).numpy()[0]
print("cos", float(e1 @ e2))
