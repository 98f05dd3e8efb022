"""Train the image match's texture embedding (needs PyTorch: pip install '.[train]').

    python -m search.train_embedding FOLDER [--views 40] [--photos 20] [--steps 3000]
                                    [--out PATH] [--synthetic N]

Nothing at run time imports this module: it writes the float16 weights that
search/embedding.py runs in numpy. The training designs are two thirds of the
registered part of FOLDER's split (match_suite.split), chosen by a hash of the file
name, so that eval_match can report recall on registered designs the network never
saw (``is_training_design``); no distractor is ever seen. Each training design is
shown under the suite's own alterations with fresh random draws (seeded "train|name|k",
never the suite's seeds), plus random quarter turns, mirrors, crops and JPEG.
--photos N (default 20) adds N market photos of each training design (any hue, turn,
mirror and repeat size; seeded "train-photo|name|k"); the shipped weights use 20, which
put the original among a market photo's 20 nearest designs for 0.89 of them against
0.79 (docs/benchmarks.md, engine item 20); 40 did no better.
--synthetic N adds N generated textures (match_suite.synthetic_texture) as training
designs; the shipped weights use none (they ranked the originals worse with 600,
docs/benchmarks.md row 32).
"""

import argparse
import hashlib
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from search import embedding
from search import fingerprint as fp
from search import match_suite as suite
from search.match_eval import _open, pattern_files

CROP = 96  # px of network input per training crop
WIDTHS = (24, 48, 96, 128)


def is_training_design(name: str) -> bool:
    return hashlib.sha256(("emb|" + name).encode()).digest()[0] % 3 != 0


def network_input_of(rgb: np.ndarray) -> np.ndarray:
    work = fp._work_array(Image.fromarray(np.ascontiguousarray(rgb)))
    return embedding.network_input(fp.normalised_grey(work))


def _views(job: tuple[Path | int, int, int]) -> tuple[str, list[np.ndarray]]:
    source, count, photos = job
    if isinstance(source, Path):
        name, a = source.name, _open(source)
    else:
        name, a = f"synthetic-{source}", suite.synthetic_texture(source)
    names = [n for n in suite.ALTERATIONS if n != "original"]
    # float16: 5,000 views of 200×200 stay within a gigabyte.
    out = [network_input_of(a).astype(np.float16)]
    for k in range(count):
        rng = suite._rng("train", f"{name}|{k}")  # never the suite's own seeds
        b = np.ascontiguousarray(
            suite.ALTERATIONS[names[rng.integers(len(names))]](a, rng)
        )
        if rng.random() < 0.5:
            b = np.ascontiguousarray(np.rot90(b, rng.integers(4)))
        if rng.random() < 0.5:
            b = np.ascontiguousarray(b[:, ::-1])
        if rng.random() < 0.3:
            b = suite.crop(b, rng.uniform(0.5, 0.9))
        if rng.random() < 0.3:
            b = suite._jpeg(np.ascontiguousarray(b), int(rng.integers(15, 80)))
        out.append(network_input_of(b).astype(np.float16))
    # Market photos on top of the suite's share (2 of its 21 alterations): a photo's
    # perspective, blur and light are what the embedding ranks worst (benchmarks row 61).
    for k in range(photos):
        rng = suite._rng("train-photo", f"{name}|{k}")
        b = a if rng.random() < 0.5 else suite.hue(a, float(rng.uniform(0, 360)))
        b = np.ascontiguousarray(np.rot90(b, rng.integers(4)))
        if rng.random() < 0.5:
            b = np.ascontiguousarray(b[:, ::-1])
        if rng.random() < 0.3:
            b = suite.resize(b, float(2 ** rng.uniform(-1, 1)))
        b = suite.market_photo(np.ascontiguousarray(b), rng)
        out.append(network_input_of(b).astype(np.float16))
    return name, out


def training_views(
    folder: Path, count: int, synthetic: int = 0, photos: int = 0
) -> dict[str, list[np.ndarray]]:
    registered, _ = suite.split(pattern_files(folder))
    train = [p for p in registered if is_training_design(p.name)]
    if len(train) < 2:
        raise ValueError(
            f"{folder}: {len(train)} training designs; the split needs a folder of "
            "at least a dozen pattern images"
        )
    cv2.setNumThreads(1)
    bank = {}
    sources = [*train, *range(synthetic)]
    with Pool(2) as pool:
        jobs = [(s, count, photos) for s in sources]
        for i, (name, views) in enumerate(
            pool.imap_unordered(_views, jobs, chunksize=2)
        ):
            bank[name] = views
            print(f"\rviews {i + 1}/{len(jobs)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return dict(sorted(bank.items()))


def _crops(arrays, rng, n):
    out = np.zeros((n, 1, CROP, CROP), np.float32)
    for i, a in enumerate(arrays):
        a = a.astype(np.float32)
        if rng.random() < 0.5:  # another repeat size, as a copier prints it
            a = embedding.rescale(a, 2 ** rng.uniform(-1, 1))
        h, w = a.shape
        if h < CROP or w < CROP:
            a = np.pad(a, ((0, max(0, CROP - h)), (0, max(0, CROP - w))), mode="wrap")
            h, w = a.shape
        y, x = rng.integers(0, h - CROP + 1), rng.integers(0, w - CROP + 1)
        c = np.rot90(a[y : y + CROP, x : x + CROP], rng.integers(4))
        out[i, 0] = c[:, ::-1] if rng.random() < 0.5 else c
    return out


def build_net(torch):
    nn, F = torch.nn, torch.nn.functional
    w = WIDTHS

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(1, w[0], 5, 2, 2, bias=False)
            self.b1 = nn.BatchNorm2d(w[0])
            self.c2 = nn.Conv2d(w[0], w[1], 3, 2, 1, bias=False)
            self.b2 = nn.BatchNorm2d(w[1])
            self.c3 = nn.Conv2d(w[1], w[2], 3, 2, 1, bias=False)
            self.b3 = nn.BatchNorm2d(w[2])
            self.c4 = nn.Conv2d(w[2], w[3], 3, 1, 1, bias=False)
            self.b4 = nn.BatchNorm2d(w[3])
            self.fc = nn.Linear(w[3], embedding.DIM)

        def forward(self, x):
            x = self.b1(self.c1(x).abs())  # abs: an inverted copy embeds the same
            x = F.relu(self.b2(self.c2(x)))
            x = F.relu(self.b3(self.c3(x)))
            x = F.relu(self.b4(self.c4(x)))
            p = embedding.GEM_P
            x = x.clamp(min=1e-6).pow(p).mean(dim=(2, 3)).pow(1 / p)
            return F.normalize(self.fc(x), dim=1)

    return Net()


def train(bank: dict[str, list[np.ndarray]], steps: int, *, seed: int = 0):
    """CosFace (s 24, margin 0.2) over the training designs, batches of 128."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    F = torch.nn.functional
    views = list(bank.values())
    classes = len(views)
    net = build_net(torch)
    proxies = torch.nn.Parameter(torch.randn(classes, embedding.DIM) * 0.1)
    opt = torch.optim.AdamW(
        list(net.parameters()) + [proxies], lr=3e-3, weight_decay=1e-4
    )
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, 3e-3, total_steps=steps, pct_start=0.1
    )
    rng = np.random.default_rng(seed)
    batch, s, m = 128, 24.0, 0.2
    t0 = time.time()
    for step in range(steps):
        cls = rng.integers(0, classes, batch)
        arrays = [views[c][rng.integers(len(views[c]))] for c in cls]
        x = torch.from_numpy(_crops(arrays, rng, batch))
        y = torch.from_numpy(cls)
        logits = net(x) @ F.normalize(proxies, dim=1).T
        logits = s * (logits - m * F.one_hot(y, classes))
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps - 1:
            acc = (logits.argmax(1) == y).float().mean().item()
            print(
                f"step {step + 1}/{steps} loss {loss.item():.3f} acc {acc:.2f} "
                f"{time.time() - t0:.0f}s",
                file=sys.stderr,
                flush=True,
            )
    net.eval()
    return net


def export(net, out: Path) -> None:
    """Fold batch norm into the convolutions and save float16 im2col matrices."""
    import torch

    arrays = {}
    pairs = [(net.c1, net.b1), (net.c2, net.b2), (net.c3, net.b3), (net.c4, net.b4)]
    for i, (conv, bn) in enumerate(pairs):
        w = conv.weight.detach().numpy()  # out, in, k, k
        gain = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach().numpy()
        shift = bn.bias.detach().numpy() - bn.running_mean.numpy() * gain
        k = w.shape[2]
        matrix = w.transpose(2, 3, 1, 0).reshape(k * k * w.shape[1], w.shape[0])
        if i == 0:  # abs() comes before the first batch norm: keep its gain apart
            arrays["scale0"] = gain
            arrays["w0"] = matrix
        else:
            arrays[f"w{i}"] = matrix * gain[None]
        arrays[f"b{i}"] = shift
        arrays[f"k{i}"] = np.array(k)
        arrays[f"s{i}"] = np.array(conv.stride[0])
    arrays["fc_w"] = net.fc.weight.detach().numpy().T
    arrays["fc_b"] = net.fc.bias.detach().numpy()
    np.savez(
        out,
        **{
            k: v.astype(np.float16) if v.dtype == np.float32 else v
            for k, v in arrays.items()
        },
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--views", type=int, default=40)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument(
        "--synthetic",
        type=int,
        default=0,
        help="add this many generated textures (match_suite.synthetic_texture) as "
        "training designs",
    )
    parser.add_argument(
        "--photos",
        type=int,
        default=20,
        help="add this many market photos (any hue, turn, mirror, repeat size) to "
        "each training design's views",
    )
    parser.add_argument("--out", type=Path, default=embedding.WEIGHTS_PATH)
    args = parser.parse_args(argv)
    try:
        bank = training_views(args.folder, args.views, args.synthetic, args.photos)
    except ValueError as error:
        parser.error(str(error))
    net = train(bank, args.steps)
    export(net, args.out)
    # The numpy network must give what PyTorch gives, or the weights are useless.
    import torch

    x = next(iter(bank.values()))[-1].astype(np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)[None, None]).numpy()[0]
    got = embedding.embed(x, embedding.network(args.out))
    print(f"numpy vs torch cosine {float(got @ expected):.6f}", file=sys.stderr)


if __name__ == "__main__":
    main()
