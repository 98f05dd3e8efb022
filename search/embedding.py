"""A small learned texture embedding for the image match, run in numpy.

Four convolutions and a generalised-mean pool turn the normalised grey image (at half
the working size) into a 128-d unit vector. The network was trained here, on part of
the registered designs of the pattern folder, under the alteration suite's own
alterations with fresh random draws and 20 extra market photos a design
(``python -m search.train_embedding FOLDER --photos 20``, which needs PyTorch; running
the network does not). Why it exists: the keypoints of faint
textures do not survive heavy JPEG, blur and market photos, so the candidate stage
missed the original of half the market photos; the embedding, trained on exactly
those degradations, finds most of them (docs/benchmarks.md, "Image match").

The first layer's output is taken as an absolute value, so a lightness-inverted
image (the normalised grey with its sign flipped) gives the same embedding exactly.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

WEIGHTS_PATH = Path(__file__).with_name("data") / "match_embedding.npz"
DIM = 128
GEM_P = 3  # generalised-mean pooling exponent (embed() spells out the cube)
# A registered design is embedded at these sizes of its network input: a copy
# printed at half or double the repeat size meets one of them at its own scale. The
# 2x one is of the centre half only: a texture's statistics over a quarter of the area
# are nearly its statistics over the whole (rank recall@15 0.942 against 0.943 for
# the whole at 2x, docs/benchmarks.md row 19), at a quarter of the cost.
REGISTRY_SCALES = (0.5, 1.0, 2.0)
WRAP = 16  # pixels of the repeat wrapped round a registered tile, as printed


@dataclass(frozen=True)
class Layer:
    weight: np.ndarray  # (k*k*c_in) × c_out, rows in (dy, dx, c_in) order
    bias: np.ndarray  # c_out
    kernel: int
    stride: int
    scale: np.ndarray | None = None  # per-channel affine after abs (first layer)


@dataclass(frozen=True)
class Network:
    layers: tuple[Layer, ...]
    fc_weight: np.ndarray  # c × DIM
    fc_bias: np.ndarray  # DIM


@cache
def network(path: Path = WEIGHTS_PATH) -> Network:
    with np.load(path) as data:
        layers = []
        for i in range(4):
            layers.append(
                Layer(
                    weight=data[f"w{i}"].astype(np.float32),
                    bias=data[f"b{i}"].astype(np.float32),
                    kernel=int(data[f"k{i}"]),
                    stride=int(data[f"s{i}"]),
                    scale=data["scale0"].astype(np.float32) if i == 0 else None,
                )
            )
        return Network(
            layers=tuple(layers),
            fc_weight=data["fc_w"].astype(np.float32),
            fc_bias=data["fc_b"].astype(np.float32),
        )


def _conv(x: np.ndarray, layer: Layer) -> np.ndarray:
    """'Same'-padded strided convolution as one matrix product (im2col)."""
    k, s = layer.kernel, layer.stride
    pad = k // 2
    h, w, c = x.shape
    xp = np.pad(x, ((pad, pad), (pad, pad), (0, 0)))
    ho, wo = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
    # A strided view of every k×k window, copied once in (dy, dx, c) order: a third
    # faster than filling the columns window offset by window offset.
    windows = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(0, 1))
    cols = np.ascontiguousarray(windows[::s, ::s][:ho, :wo].transpose(0, 1, 3, 4, 2))
    out = cols.reshape(ho * wo, k * k * c) @ layer.weight
    return out.reshape(ho, wo, -1)


def embed(x: np.ndarray, net: Network | None = None) -> np.ndarray:
    """Return the unit embedding of a network input (see network_input)."""
    net = net or network()
    x = x.astype(np.float32)[:, :, None]
    first, *rest = net.layers
    x = np.abs(_conv(x, first)) * first.scale + first.bias
    for layer in rest:
        x = np.maximum(_conv(x, layer) + layer.bias, 0)
    x = np.maximum(x, 1e-6)
    # x*x*x, not x**GEM_P: numpy's float power is five times slower.
    pooled = np.mean(x * x * x, axis=(0, 1)) ** (1 / GEM_P)
    v = pooled @ net.fc_weight + net.fc_bias
    return (v / (np.linalg.norm(v) + 1e-12)).astype(np.float32)


def network_input(normalised: np.ndarray) -> np.ndarray:
    """Turn fingerprint.normalised_grey's uint8 image into the network's input.

    Half the working size: the faint textures' identity that survives JPEG and blur
    lives at this scale, and a quarter of the pixels keeps the embedding ~10 ms.
    """
    h, w = normalised.shape
    g = normalised.astype(np.float32)
    g = cv2.resize(g, (max(16, w // 2), max(16, h // 2)), interpolation=cv2.INTER_AREA)
    return (g - 128) / 42


def rescale(x: np.ndarray, f: float) -> np.ndarray:
    if f == 1:
        return x
    h, w = x.shape
    size = (max(16, round(w * f)), max(16, round(h * f)))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
    return cv2.resize(x, size, interpolation=interp)


def registry_embeddings(
    x: np.ndarray, net: Network | None = None, *, seamless: bool = True
) -> np.ndarray:
    """Return len(REGISTRY_SCALES)×DIM embeddings of a registered image's input.

    A seamless tile gets WRAP pixels of its own repeat round it, as printed; the 2x
    centre half is padded by reflection (it has no repeat of its own to wrap).
    """
    out = []
    for f in REGISTRY_SCALES:
        y = rescale(x, f)
        if f == 2:
            h, w = y.shape
            y = np.pad(
                y[h // 4 : h // 4 + h // 2, w // 4 : w // 4 + w // 2],
                WRAP,
                mode="reflect",
            )
        elif seamless:
            y = np.pad(y, WRAP, mode="wrap")
        out.append(embed(y, net))
    return np.stack(out)
