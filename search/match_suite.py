"""The image-match evaluation: alteration suite, registry split, metrics, baselines.

Pure helpers (no Django imports) behind ``manage.py eval_match``. Every alteration is
deterministic: its random choices are seeded by the file name and alteration name.
"""

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image


def _rng(name: str, alt: str) -> np.random.Generator:
    seed = int.from_bytes(hashlib.sha256(f"{name}|{alt}".encode()).digest()[:8], "big")
    return np.random.default_rng(seed)


def _jpeg(a: np.ndarray, q: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "JPEG", quality=q)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _tile(a: np.ndarray, n: int) -> np.ndarray:
    return np.tile(a, (n, n, 1))


def resize(a, f):
    h, w = a.shape[:2]
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    return cv2.resize(
        a, (max(8, round(w * f)), max(8, round(h * f))), interpolation=interp
    )


def hue(a, deg):
    hsv = cv2.cvtColor(a, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0].astype(int) + deg // 2) % 180
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def invert_lightness(a):
    hls = cv2.cvtColor(a, cv2.COLOR_RGB2HLS)
    hls[..., 1] = 255 - hls[..., 1]
    return cv2.cvtColor(hls, cv2.COLOR_HLS2RGB)


def duotone(a, rng):
    g = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    inks = rng.integers(0, 256, (2, 3)).astype(np.float32)
    # keep the two inks apart in lightness so the print is readable
    while abs(inks[0].mean() - inks[1].mean()) < 60:
        inks = rng.integers(0, 256, (2, 3)).astype(np.float32)
    if rng.random() < 0.5:
        inks = inks[::-1]
    out = inks[0] + (inks[1] - inks[0]) * g[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def rotate_small(a, rng):
    ang = rng.uniform(5, 10) * rng.choice([-1, 1])
    h, w = a.shape[:2]
    big = _tile(a, 3)
    m = cv2.getRotationMatrix2D((1.5 * w, 1.5 * h), ang, 1.0)
    m[:, 2] -= (w, h)
    return cv2.warpAffine(big, m, (w, h), flags=cv2.INTER_LINEAR)


def crop(a, f):
    h, w = a.shape[:2]
    ch, cw = round(h * f), round(w * f)
    y, x = (h - ch) // 2, (w - cw) // 2
    return a[y : y + ch, x : x + cw]


def shift_repeat(a, rng):
    # the repeat printed at another phase: a repeat-size window of a 2x2 tiling
    h, w = a.shape[:2]
    y, x = int(rng.integers(h // 8, h)), int(rng.integers(w // 8, w))
    return _tile(a, 2)[y : y + h, x : x + w]


def retile(a, rng):
    h, w = a.shape[:2]
    f = rng.uniform(0.4, 0.6)
    ch, cw = round(h * f), round(w * f)
    y, x = int(rng.integers(0, h - ch)), int(rng.integers(0, w - cw))
    sub = a[y : y + ch, x : x + cw]
    reps = (h // ch + 1, w // cw + 1, 1)
    return np.tile(sub, reps)[:h, :w]


PHOTO_SIZE = (800, 600)


def photo_perspective(shape: tuple[int, ...], rng) -> tuple[np.ndarray, tuple]:
    """Return the market photo's perspective (3x3, from the 3x3 tiling of a tile of
    `shape` to the photo) and the centre it looks at, in the tiling's pixels."""
    H, W = 3 * shape[0], 3 * shape[1]
    out_w, out_h = PHOTO_SIZE
    # the photographed piece covers a random quadrilateral ~1.5 repeats wide
    span = rng.uniform(1.3, 2.0) * shape[1]
    cx, cy = W / 2 + rng.uniform(-0.2, 0.2) * shape[1], H / 2
    src = np.float32(
        [
            [cx - span / 2, cy - span * 0.375],
            [cx + span / 2, cy - span * 0.375],
            [cx + span / 2, cy + span * 0.375],
            [cx - span / 2, cy + span * 0.375],
        ]
    )
    jit = rng.uniform(-0.08, 0.08, (4, 2)) * span
    m = cv2.getPerspectiveTransform(
        src + jit.astype(np.float32),
        np.float32([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]]),
    )
    return m, (cx, cy)


def market_photo(a, rng):
    big = _tile(a, 3)
    out_w, out_h = PHOTO_SIZE
    m, _centre = photo_perspective(a.shape, rng)
    img = cv2.warpPerspective(
        big, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP
    )
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.8, 1.5)).astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    t = ((xx - out_w / 2) * np.cos(ang) + (yy - out_h / 2) * np.sin(ang)) / out_w
    img *= (0.85 + 0.5 * t)[..., None]
    img += rng.normal(0, 4, img.shape)
    return _jpeg(np.clip(img, 0, 255).astype(np.uint8), 70)


ALTERATIONS: dict[str, Callable] = {
    "original": lambda a, r: a,
    "resize_0.5": lambda a, r: resize(a, 0.5),
    "resize_2": lambda a, r: resize(a, 2),
    "jpeg_30": lambda a, r: _jpeg(a, 30),
    "hue_90": lambda a, r: hue(a, 90),
    "hue_180": lambda a, r: hue(a, 180),
    "invert": lambda a, r: invert_lightness(a),
    "colourway": duotone,
    "mirror": lambda a, r: a[:, ::-1],
    "rot_90": lambda a, r: np.rot90(a, 1),
    "rot_180": lambda a, r: np.rot90(a, 2),
    "rot_5_10": rotate_small,
    "crop_70": lambda a, r: crop(a, 0.7),
    "crop_50": lambda a, r: crop(a, 0.5),
    "shifted_repeat": shift_repeat,
    "retiled": retile,
    "market_photo": market_photo,
    "hue_180+mirror": lambda a, r: hue(a, 180)[:, ::-1],
    "crop_70+jpeg_30": lambda a, r: _jpeg(np.ascontiguousarray(crop(a, 0.7)), 30),
    "rot_90+colourway": lambda a, r: duotone(np.ascontiguousarray(np.rot90(a, 1)), r),
    "shifted_repeat+resize_0.5": lambda a, r: resize(shift_repeat(a, r), 0.5),
    "market_photo+hue_90": lambda a, r: market_photo(hue(a, 90), r),
}


def alter(a: np.ndarray, name: str, alt: str) -> np.ndarray:
    return np.ascontiguousarray(ALTERATIONS[alt](a, _rng(name, alt)))


def split(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Every third image (by sorted name hash) is a distractor, the rest registered."""
    reg, dis = [], []
    for p in sorted(paths):
        h = hashlib.sha256(p.name.encode()).digest()[0]
        (dis if h % 3 == 0 else reg).append(p)
    return reg, dis


def synthetic_pattern(seed: int, size: int = 2000, repeat: int = 250) -> np.ndarray:
    """Draw a deterministic tiled print (ellipses on a ground) for benchmarks."""
    rng = np.random.default_rng(seed)
    tile = np.zeros((repeat, repeat, 3), np.uint8)
    tile[:] = rng.integers(0, 256, 3)
    for _ in range(12):
        centre = tuple(int(v) for v in rng.integers(0, repeat, 2))
        axes = tuple(int(v) for v in rng.integers(5, repeat // 4, 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cv2.ellipse(tile, centre, axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
    reps = size // repeat + 1
    return np.ascontiguousarray(np.tile(tile, (reps, reps, 1))[:size, :size])


def synthetic_texture(seed: int) -> np.ndarray:
    """Draw a deterministic seamless texture, often faint, as fabric grounds are.

    Periodic by construction (noise shaped in the Fourier domain of the tile, threads
    and marks drawn with wrap-round), so it tiles like a registered repeat. Families:
    shaped noise (grain, paper, brushed, mottled), woven threads, scattered marks and
    lines, and mixtures of two of them; 150-400 px, 2-60 grey levels of contrast on a
    random ground. Used to give the embedding's training more textures than the
    pattern folder's registered part holds (search.train_embedding --synthetic).
    """
    rng = np.random.default_rng([seed, 7919])
    n = int(rng.integers(150, 401))

    def shaped_noise():
        f = np.fft.fftfreq(n)
        fy, fx = np.meshgrid(f, f, indexing="ij")
        ang = rng.uniform(0, np.pi)
        stretch = 1.0 if rng.random() < 0.5 else rng.uniform(1.5, 12)
        u = fx * np.cos(ang) + fy * np.sin(ang)
        v = -fx * np.sin(ang) + fy * np.cos(ang)
        r = np.sqrt(u * u + (v * stretch) ** 2) + 1e-4
        if rng.random() < 0.5:  # a band: grain of one size
            c, bw = rng.uniform(0.02, 0.35), rng.uniform(0.2, 0.8)
            gain = np.exp(-0.5 * (np.log(r / c) / bw) ** 2)
        else:  # 1/f^beta: paper, stone, mottling
            gain = r ** -rng.uniform(0.5, 2.0) * (r < rng.uniform(0.15, 0.5))
        spec = np.fft.fft2(rng.standard_normal((n, n))) * gain
        return np.real(np.fft.ifft2(spec))

    def threads():
        y, x = np.mgrid[0:n, 0:n].astype(np.float64)
        p1, p2 = int(rng.integers(3, 24)), int(rng.integers(3, 24))
        k1, k2 = n // p1, n // p2  # whole periods per tile: seamless
        w = np.sin(2 * np.pi * k1 * x / n) * rng.uniform(0.3, 1)
        w = w + np.sin(2 * np.pi * k2 * y / n + rng.uniform(0, 6)) * rng.uniform(0, 1)
        if rng.random() < 0.5:  # twill: the weave runs diagonally
            w = w + np.sin(2 * np.pi * k1 * (x + y) / n) * rng.uniform(0.2, 1)
        grain = shaped_noise()
        # The grain's weight is half over a second draw's spread: a random weight, not
        # a normalisation (kept as it is: benchmarks rows 32-35 were measured on it).
        return w + 0.5 * grain / (shaped_noise().std() + 1e-9)

    def marks():
        canvas = np.zeros((3 * n, 3 * n), np.float32)
        size, count = int(rng.integers(1, 10)), int(rng.integers(10, 200))
        lines = rng.random() < 0.4
        for _ in range(count):
            cy, cx = rng.uniform(0, n, 2)
            val = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1))
            a = rng.uniform(0, np.pi)
            d = (4 * size * np.cos(a), 4 * size * np.sin(a))
            # Drawn at all nine offsets of a 3x3 canvas whose centre is the tile, so
            # a mark that crosses an edge comes back on the other side.
            for oy in (0, n, 2 * n):
                for ox in (0, n, 2 * n):
                    c = (int(cx + ox), int(cy + oy))
                    if lines:
                        end = (int(c[0] + d[0]), int(c[1] + d[1]))
                        cv2.line(canvas, c, end, val, max(1, size // 3))
                    else:
                        cv2.circle(canvas, c, size, val, -1)
        return canvas[n : 2 * n, n : 2 * n].astype(np.float64)

    families = (shaped_noise, threads, marks)
    t = families[int(rng.integers(3))]()
    t = t / (t.std() + 1e-9)
    if rng.random() < 0.4:
        other = families[int(rng.integers(3))]()
        t = t + rng.uniform(0.3, 1) * other / (other.std() + 1e-9)
        t = t / (t.std() + 1e-9)
    contrast = float(np.exp(rng.uniform(np.log(2), np.log(60))))
    ground = rng.integers(40, 216, 3).astype(np.float64)
    tint = rng.uniform(0.6, 1.0, 3)  # the grain takes a little of the ground's colour
    rgb = ground + contrast * t[..., None] * tint / 3
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


def jpeg_bytes(rgb: np.ndarray, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return buf.getvalue()
