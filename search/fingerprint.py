"""Image fingerprints for the image match: pure helpers, no Django imports.

A fingerprint has two parts (docs/benchmarks.md, "Image match", says why and what was
measured):

- ``vector``: a 256-bit code for the candidate stage. SIFT descriptors of a
  contrast-normalised grey image are counted against a small visual vocabulary
  (bag of words, shipped in ``search/data/match_vocabulary.npz``); every descriptor
  is also counted as its mirrored and its inverted twin, so the histogram, and the
  code made from it by random hyperplanes, do not change under mirroring, 90°/180°
  rotation, lightness inversion or a new colourway. Counting ignores where a
  descriptor sits, so crops, another phase of the repeat and re-tiling keep the code.
- ``features``: the strongest keypoints (position, size, angle) with their uint8 SIFT
  descriptors, for geometric verification of the few candidates (engine.verify).

Since ``sift-bow-spectrum-embed-3`` the vector carries a third, 128-bit code: the signs of
the learned texture embedding (search/embedding.py), whose float16 values end the
features for re-ranking. Keypoints of faint textures do not survive heavy JPEG, blur
and market photos; the embedding, trained on those degradations, still finds them.
A registered image carries the embedding at three sizes, a query at one (compute_query).
Since ``sift-bow-spectrum-embed-detail-4`` the features also keep the normalised grey at
up to DETAIL px and its scale in pixels of the source file (engine item 12).
``sift-bow-spectrum-embed-detail-5`` changes no feature, only the embedding's weights
(trained with 20 market photos a design beside the suite's views, engine item 20), so
every stored embedding and its sign codes must be made again (rebuild_fingerprints).
"""

import io
import os
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
from PIL import Image, ImageOps
from threadpoolctl import threadpool_limits

from search import embedding, jpegcopy

ALGORITHM_VERSION = "sift-bow-spectrum-embed-detail-5"

# Work on images of at most this many pixels a side: SIFT time grows with the area,
# and fabric prints keep their motifs at this size.
WORK_SIDE = 400
MAX_KEYPOINTS = 600  # detected per scale
STORED_KEYPOINTS = 300  # kept for verification, strongest first
# Bag of words (256 bits), the repeat's spectrum (256), then the embedding's sign code
# at each of embedding.REGISTRY_SCALES (128 each). A query's vector has one embedding
# code (QUERY_VECTOR_BITS): it is compared with each of the registered image's.
VECTOR_BITS = 512 + embedding.DIM * len(embedding.REGISTRY_SCALES)
QUERY_VECTOR_BITS = 512 + embedding.DIM
THUMB = 64  # side of the whole-image thumbnail kept for correlation
THUMB_SCALE = 32.0  # int8 steps per standard deviation
# The normalised grey kept at up to DETAIL px a side, with its scale in pixels of the
# source file, for the pixel-scale alignment of engine item 12: a JPEG'd or cropped
# copy of a design file keeps the file's pixel grid, which the 64 px thumbnail blurs
# away (docs/benchmarks.md row 36). 64 KB a registered image at most.
DETAIL = 256
_DETAIL_HEAD = struct.Struct("<HHff")  # height, width, detail px per source px (x, y)
VOCABULARY_PATH = Path(__file__).with_name("data") / "match_vocabulary.npz"

# SIFT's 4×4 spatial × 8 orientation bins, and how they move when the image is
# mirrored (rows reversed, orientations negated) or its lightness inverted (every
# gradient turns 180°, so the keypoint's frame turns too: the grid is rotated 180°).
_BINS = np.arange(128).reshape(4, 4, 8)
MIRROR = _BINS[::-1][:, :, (-np.arange(8)) % 8].reshape(-1)
INVERT = _BINS[::-1, ::-1].reshape(-1)
# (permutation, sign of the keypoint angle) for identity, mirror, inverse, both.
VARIANTS = (
    (np.arange(128), 1),
    (MIRROR, -1),
    (INVERT, 1),
    (MIRROR[INVERT], -1),
)


@dataclass(frozen=True)
class Fingerprint:
    vector: bytes  # VECTOR_BITS // 8 bytes
    features: bytes  # see pack_features
    width: int  # of the working image the keypoints refer to
    height: int
    # A query's only, never stored: what its pixels at the file's own grid say as a
    # JPEG copy (engine item 23), made on first use (None: they say nothing).
    jpeg: "Callable[[], jpegcopy.Query | None] | None" = field(
        default=None, compare=False, repr=False
    )
    # A query's only, never stored: its normalised grey at up to PHOTO_SIDE px, for
    # the photo stage's last look (engine item 24), made on first use.
    photo: "Callable[[], np.ndarray | None] | None" = field(
        default=None, compare=False, repr=False
    )

    def to_bytes(self) -> bytes:
        head = struct.pack("<HHI", self.width, self.height, len(self.vector))
        return head + self.vector + self.features

    @classmethod
    def from_bytes(cls, data: bytes) -> "Fingerprint":
        width, height, n = struct.unpack_from("<HHI", data)
        return cls(
            vector=data[8 : 8 + n], features=data[8 + n :], width=width, height=height
        )

    def keypoints(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (points: n×4 float32 x, y, size, angle; descriptors: n×128 uint8)."""
        return unpack_features(self.features)

    def thumbnail(self) -> np.ndarray | None:
        return unpack_thumbnail(self.features)

    def detail(self) -> "Detail | None":
        return unpack_detail(self.features)

    def embeddings(self) -> np.ndarray:
        """Return the stored unit texture embeddings (k×DIM float32; k = 0 if none).

        A registered image's are at embedding.REGISTRY_SCALES, a query's at 1x.
        """
        return unpack_embeddings(self.features)

    def colour(self) -> np.ndarray:
        """Return the mean CIELAB colour (L, a, b) of the image."""
        return unpack_colour(self.features)


@dataclass(frozen=True)
class Detail:
    """The normalised grey at detail size (zero mean, unit spread) and its scale."""

    grey: np.ndarray  # float32, at most DETAIL px a side
    fx: float  # detail pixels per pixel of the source file, across
    fy: float  # ... and down


# features = n (uint32) | mean Lab (3 × float16) | n × (x, y, size, angle) float16
#            | n × 128 uint8 descriptors | THUMB × THUMB int8 normalised grey
#            | detail: h, w (uint16), fx, fy (float32) | h × w int8 normalised grey
#            | k × DIM float16 texture embeddings (k = 3 registered, 1 query)
# Without a thumbnail nothing follows the descriptors; with one, a detail head always
# follows (h = w = 0 when there is none), so the embeddings' count is what is left.
_HEAD = struct.Struct("<I3e")


def pack_features(
    points: np.ndarray,
    descriptors: np.ndarray,
    colour: np.ndarray | None = None,
    thumb: np.ndarray | None = None,
    embedded: np.ndarray | None = None,
    detail: Detail | None = None,
) -> bytes:
    colour = np.zeros(3) if colour is None else colour
    tail = b""
    if thumb is not None:
        tail = _int8(thumb)
        if detail is None:
            tail += _DETAIL_HEAD.pack(0, 0, 0.0, 0.0)
        else:
            h, w = detail.grey.shape
            tail += _DETAIL_HEAD.pack(h, w, detail.fx, detail.fy) + _int8(detail.grey)
        if embedded is not None:
            tail += embedded.astype("<f2").tobytes()
    return (
        _HEAD.pack(len(points), *(float(c) for c in colour))
        + points.astype("<f2").tobytes()
        + descriptors.astype(np.uint8).tobytes()
        + tail
    )


def _int8(grey: np.ndarray) -> bytes:
    """A zero-mean, unit-spread grey as int8 steps of 1/THUMB_SCALE (±4 spreads)."""
    return np.clip(np.round(grey * THUMB_SCALE), -127, 127).astype(np.int8).tobytes()


def _grey(data: bytes, h: int, w: int, at: int) -> np.ndarray:
    raw = np.frombuffer(data, np.int8, h * w, at).reshape(h, w)
    return raw.astype(np.float32) / THUMB_SCALE


def unpack_features(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    if len(data) < _HEAD.size:
        return np.zeros((0, 4), np.float32), np.zeros((0, 128), np.uint8)
    n = _HEAD.unpack_from(data)[0]
    at = _HEAD.size
    points = np.frombuffer(data, "<f2", n * 4, at).reshape(n, 4).astype(np.float32)
    descriptors = np.frombuffer(data, np.uint8, n * 128, at + n * 8).reshape(n, 128)
    return points, descriptors


def unpack_thumbnail(data: bytes) -> np.ndarray | None:
    """Return the THUMB×THUMB normalised grey thumbnail (float32), if stored."""
    if len(data) < _HEAD.size:
        return None
    n = _HEAD.unpack_from(data)[0]
    at = _HEAD.size + n * (8 + 128)
    if len(data) < at + THUMB * THUMB:
        return None
    return _grey(data, THUMB, THUMB, at)


def _detail_at(data: bytes) -> int:
    """Offset of the detail head (past the thumbnail), or -1 if there is none."""
    if len(data) < _HEAD.size:
        return -1
    n = _HEAD.unpack_from(data)[0]
    at = _HEAD.size + n * (8 + 128) + THUMB * THUMB
    return at if len(data) >= at + _DETAIL_HEAD.size else -1


def unpack_detail(data: bytes) -> Detail | None:
    """Return the stored detail grey and its scale, if any."""
    at = _detail_at(data)
    if at < 0:
        return None
    h, w, fx, fy = _DETAIL_HEAD.unpack_from(data, at)
    if not h or not w:
        return None
    return Detail(_grey(data, h, w, at + _DETAIL_HEAD.size), fx, fy)


def unpack_embeddings(data: bytes) -> np.ndarray:
    """Return the stored k × DIM texture embeddings (float32), k = 0 if none."""
    k, at = 0, _detail_at(data)
    if at >= 0:
        h, w = _DETAIL_HEAD.unpack_from(data, at)[:2]
        at += _DETAIL_HEAD.size + h * w
        k = max(0, len(data) - at) // (2 * embedding.DIM)
    flat = np.frombuffer(data, "<f2", k * embedding.DIM, at) if k else np.zeros(0)
    return flat.reshape(k, embedding.DIM).astype(np.float32)


def unpack_colour(data: bytes) -> np.ndarray:
    if len(data) < _HEAD.size:
        return np.zeros(3, np.float32)
    return np.array(_HEAD.unpack_from(data)[1:], np.float32)


def mean_lab(rgb: np.ndarray) -> np.ndarray:
    # Of a 64 px copy: the mean colour needs no detail, and Lab per pixel is costly.
    h, w = rgb.shape[:2]
    f = max(1.0, max(h, w) / THUMB)
    if f > 1:
        size = (max(1, round(w / f)), max(1, round(h / f)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(rgb.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)
    return lab.reshape(-1, 3).mean(axis=0)


# The key under which load_image leaves, in the image's info, how many pixels of the
# file one decoded pixel stands for (draft() may have decoded at 1/2, 1/4 or 1/8).
SOURCE_SCALE = "ipcenter_source_scale"
# ... and how to get the file's pixels at its own grid where draft() reduced them (or
# None where the picture was turned by its EXIF orientation: its JPEG blocks are not
# where the pixels are), and a JPEG file's own luma quantisation table.
SOURCE_PIXELS = "ipcenter_source_pixels"
SOURCE_TABLE = "ipcenter_source_table"
# A JPEG copy larger than this is not decoded whole a second time (engine item 23).
SOURCE_MAX_PIXELS = 2048 * 2048
# ... and how to decode it again at up to PHOTO_SIDE px, for the photo stage.
SOURCE_PHOTO = "ipcenter_source_photo"
# The photo stage rectifies a photo from its grey at this size (engine item 24): the
# detail (DETAIL px) shows a repeat at half the registered detail's resolution or
# less, and a photo's own pixels at 800 x 600 show it at 1.6-2.4 times it.
PHOTO_SIDE = 1024


def load_image(fp_or_path: str | os.PathLike | BinaryIO | bytes) -> Image.Image:
    """Open an image decoded at reduced size where the format allows it (JPEG)."""
    if isinstance(fp_or_path, bytes):
        fp_or_path = io.BytesIO(fp_or_path)
    image = Image.open(fp_or_path)
    width = image.size[0]
    tables = getattr(image, "quantization", None) or {}
    # draft() lets libjpeg decode at 1/2, 1/4 or 1/8 size: a 2000 px photo never
    # gets decoded whole (draft keeps at least the requested size).
    image.draft("RGB", (WORK_SIDE, WORK_SIDE))
    reduced = width / image.size[0]
    turned = image.getexif().get(_ORIENTATION, 1) != 1
    out = _to_rgb(ImageOps.exif_transpose(image))
    out.info[SOURCE_SCALE] = reduced  # the detail's scale is in pixels of the file
    if 0 in tables and len(tables[0]) == 64:
        out.info[SOURCE_TABLE] = np.asarray(tables[0], dtype=np.int64)
    if turned:
        out.info[SOURCE_PIXELS] = None
    elif reduced != 1:
        # not turned by EXIF, which the check above made sure of
        out.info[SOURCE_PIXELS] = _decoder(fp_or_path, file_pixels)
    if reduced != 1:
        out.info[SOURCE_PHOTO] = _decoder(fp_or_path, photo_pixels)
    return out


_ORIENTATION = 0x0112  # EXIF


def _decoder(
    source, read: Callable[[object], np.ndarray | None]
) -> Callable[[], np.ndarray | None]:
    """Read the file again (`read`: file_pixels, photo_pixels), when (and only if)
    asked, from its start as Image.open reads it."""

    def decode() -> np.ndarray | None:
        try:
            if hasattr(source, "seek"):
                source.seek(0)
        except ValueError:  # the upload was closed meanwhile
            return None
        return read(source)

    return decode


def photo_pixels(source: str | os.PathLike | BinaryIO) -> np.ndarray | None:
    """An image's pixels at PHOTO_SIDE px or a little more (draft), turned by its EXIF
    orientation as the working image was; None for one that cannot be read."""
    try:
        with Image.open(source) as image:
            image.draft("RGB", (PHOTO_SIDE, PHOTO_SIDE))
            return np.asarray(_to_rgb(ImageOps.exif_transpose(image)))
    except (OSError, ValueError):  # unreadable, closed, or gone
        return None


def photo_grey(rgb: np.ndarray) -> np.ndarray:
    """The normalised grey (float32) of an image at up to PHOTO_SIDE px a side."""
    h, w = rgb.shape[:2]
    f = PHOTO_SIDE / max(h, w)
    if f < 1:
        size = (max(8, round(w * f)), max(8, round(h * f)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return normalised_grey(np.ascontiguousarray(rgb)).astype(np.float32)


def file_pixels(source: str | os.PathLike | BinaryIO) -> np.ndarray | None:
    """A stored image's pixels at its file's own size (RGB), for engine item 23; None
    for a file over SOURCE_MAX_PIXELS or one that cannot be read."""
    try:
        with Image.open(source) as image:
            if image.size[0] * image.size[1] > SOURCE_MAX_PIXELS:
                return None
            return np.asarray(_to_rgb(ImageOps.exif_transpose(image)))
    except (OSError, ValueError):  # unreadable, closed, or gone from storage
        return None


def source_pixels(image: Image.Image) -> Callable[[], np.ndarray | None] | None:
    """How to get an image's pixels at its file's own grid (see SOURCE_PIXELS)."""
    if SOURCE_PIXELS in image.info:
        return image.info[SOURCE_PIXELS]
    if image.size[0] * image.size[1] > SOURCE_MAX_PIXELS:
        return None
    return lambda: np.asarray(_to_rgb(image))


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if "A" in image.mode or image.mode == "P":
        # Transparent parts count as white cloth, not as whatever colour they hide.
        rgba = image.convert("RGBA")
        ground = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(ground, rgba).convert("RGB")
    return image.convert("RGB")


def normalised_grey(rgb: np.ndarray) -> np.ndarray:
    """Return a uint8 grey image with local mean and contrast removed.

    Subtracting a blurred copy removes uneven light; dividing by the local spread
    lifts faint prints (many designs differ by a few grey levels) to full contrast.
    """
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    sigma = max(grey.shape) / 12
    high = grey - _wide_blur(grey, sigma)
    spread = np.sqrt(_wide_blur(high * high, sigma)) + 1.0
    return np.clip(128 + 42 * high / spread, 0, 255).astype(np.uint8)


def _wide_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-blur with a wide sigma at reduced size: the same to a grey level or two.

    A blur of sigma 33 px keeps nothing finer than a few pixels, so doing it on an
    image an eighth of the size costs a twentieth of the time (10% of fingerprinting).
    """
    h, w = image.shape
    f = max(1, int(sigma // 4))
    small = cv2.resize(
        image, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA
    )
    small = cv2.GaussianBlur(small, (0, 0), sigma / f)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def is_seamless(grey: np.ndarray) -> bool:
    """Tell whether opposite edges continue each other, as in a repeat tile."""
    g = grey.astype(np.float32)
    inner = np.abs(np.diff(g, axis=1)).mean() + np.abs(np.diff(g, axis=0)).mean()
    seam = np.abs(g[:, 0] - g[:, -1]).mean() + np.abs(g[0] - g[-1]).mean()
    return seam < 1.5 * inner


@cache
def _sift():
    return cv2.SIFT_create(nfeatures=MAX_KEYPOINTS, contrastThreshold=0.02)


def _detect(
    rgb: np.ndarray, keep: int, grey: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    grey = normalised_grey(rgb) if grey is None else grey
    h, w = grey.shape
    pad = 24
    # A repeat tile wraps around: padding it with its own opposite edge gives the
    # keypoints near the border the neighbourhood they have in the printed fabric.
    border = cv2.BORDER_WRAP if is_seamless(grey) else cv2.BORDER_REFLECT_101
    padded = cv2.copyMakeBorder(grey, pad, pad, pad, pad, border)
    kps, des = _sift().detectAndCompute(padded, None)
    if des is None or not kps:
        return np.zeros((0, 4), np.float32), np.zeros((0, 128), np.uint8)
    pts = np.array(
        [(k.pt[0] - pad, k.pt[1] - pad, k.size, k.angle, k.response) for k in kps],
        np.float32,
    )
    inside = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
    pts, des = pts[inside], des[inside]
    order = np.argsort(-pts[:, 4], kind="stable")[:keep]
    return pts[order, :4], des[order].astype(np.uint8)


def _work_array(image: Image.Image) -> np.ndarray:
    if image.mode != "RGB":
        image = _to_rgb(image)
    w, h = image.size
    scale = WORK_SIDE / max(w, h)
    if scale < 1:
        image = image.resize(
            (max(1, round(w * scale)), max(1, round(h * scale))),
            Image.Resampling.BOX,
        )
    return np.asarray(image.convert("RGB"))


def keypoints(
    rgb: np.ndarray, grey: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Detect keypoints at full and half working size, strongest of each first.

    `grey` is normalised_grey(rgb) when the caller has it already.
    """
    h, w = rgb.shape[:2]
    p1, d1 = _detect(rgb, MAX_KEYPOINTS // 2, grey)
    # Half size too: a copy printed smaller, photographed from afar or blurred keeps
    # only the coarse structure, and those keypoints must be among the stored ones.
    small = cv2.resize(
        rgb, (max(16, w // 2), max(16, h // 2)), interpolation=cv2.INTER_AREA
    )
    p2, d2 = _detect(small, MAX_KEYPOINTS // 2)
    p2[:, :3] *= w / max(16, w // 2)
    # Interleave the two scales so that any prefix holds both.
    n = max(len(p1), len(p2))
    index = np.full((n, 2), -1)
    index[: len(p1), 0] = np.arange(len(p1))
    index[: len(p2), 1] = len(p1) + np.arange(len(p2))
    index = index.reshape(-1)
    index = index[index >= 0]
    return (
        np.concatenate([p1, p2])[index],
        np.concatenate([d1, d2])[index],
        (w, h),
    )


def root_sift(descriptors: np.ndarray) -> np.ndarray:
    """Hellinger-normalise descriptors (RootSIFT): unit length, better matching."""
    d = descriptors.astype(np.float32)
    d /= d.sum(axis=1, keepdims=True) + 1e-6
    return np.sqrt(d)


@dataclass(frozen=True)
class Vocabulary:
    centres: np.ndarray  # K×128 float32, RootSIFT space
    idf: np.ndarray  # K float32
    mean: np.ndarray  # K float32, the average embedding of the training images
    planes: np.ndarray  # K×VECTOR_BITS float32 random hyperplanes

    def words(self, rs: np.ndarray) -> np.ndarray:
        c2 = (self.centres**2).sum(axis=1)
        return np.argmin(c2[None, :] - 2 * rs @ self.centres.T, axis=1)

    def histogram(self, descriptors: np.ndarray) -> np.ndarray:
        k = len(self.centres)
        hist = np.zeros(k, np.float32)
        if len(descriptors):
            rs = root_sift(descriptors)
            for perm, _sign in VARIANTS:
                hist += np.bincount(self.words(rs[:, perm]), minlength=k)
        return hist

    def embed(self, descriptors: np.ndarray) -> np.ndarray:
        v = np.sqrt(self.histogram(descriptors)) * self.idf
        return v / (np.linalg.norm(v) + 1e-9)

    def code(self, descriptors: np.ndarray) -> bytes:
        """Return the 256-bit bag-of-words code."""
        # Centre first: bag-of-words vectors all point into the positive orthant,
        # and hyperplanes through the origin would cut few of them apart.
        bits = ((self.embed(descriptors) - self.mean) @ self.planes) > 0
        return np.packbits(bits).tobytes()


@cache
def vocabulary(path: Path = VOCABULARY_PATH) -> Vocabulary:
    with np.load(path) as data:
        return Vocabulary(
            centres=data["centres"].astype(np.float32),
            idf=data["idf"].astype(np.float32),
            mean=data["mean"].astype(np.float32),
            planes=data["planes"].astype(np.float32),
        )


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    """Return the whole image as a THUMB×THUMB grey, zero mean and unit spread.

    Whole-image changes (JPEG, resizing, recolouring, inversion, mirroring, quarter
    turns, another phase of the repeat) keep this up to sign, orientation and a
    circular shift, which engine.verify tries all of. Local features miss exactly
    the copies that wipe out fine texture, such as a heavily compressed JPEG.
    """
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    small = cv2.resize(grey, (THUMB, THUMB), interpolation=cv2.INTER_AREA)
    small -= small.mean()
    return small / (small.std() + 1e-3)


_SPECTRUM_BAND = 8  # frequencies up to this many cycles per image


@cache
def _spectrum_planes() -> np.ndarray:
    n = (2 * _SPECTRUM_BAND + 1) ** 2
    return np.random.default_rng(12345).standard_normal((n, 256)).astype(np.float32)


def spectrum_code(thumb: np.ndarray) -> bytes:
    """Return a 256-bit code of the low-frequency magnitude spectrum.

    The magnitude ignores where the repeat starts and the sign of the grey levels;
    averaging it over the 8 turns and flips of the spectrum makes it ignore those too.
    """
    mag = np.abs(np.fft.fft2(thumb))
    # The dihedral group acts on frequencies k -> -k as index i -> (N - i) % N.
    neg = np.roll(mag[::-1], 1, axis=0)
    sym = (
        mag + neg + np.roll(mag[:, ::-1], 1, axis=1) + np.roll(neg[:, ::-1], 1, axis=1)
    )
    sym = sym + sym.T
    b = _SPECTRUM_BAND
    band = np.fft.fftshift(sym)[THUMB // 2 - b : THUMB // 2 + b + 1][
        :, THUMB // 2 - b : THUMB // 2 + b + 1
    ]
    v = np.log1p(band).reshape(-1)
    v[len(v) // 2] = 0  # DC: the mean grey, zero by construction
    v = (v - v.mean()) / (v.std() + 1e-6)
    return np.packbits((v @ _spectrum_planes()) > 0).tobytes()


def detail(grey: np.ndarray, source_scale: tuple[float, float]) -> Detail:
    """Return the normalised grey at up to DETAIL px a side, and its scale.

    `grey` is the working image's normalised grey; `source_scale` is how many pixels
    of the source file one pixel of it stands for, per axis (decoding and working
    reductions together), so that two images' details can be brought to one pixel
    grid whatever size each was worked at.
    """
    g = grey.astype(np.float32)
    h, w = g.shape
    f = min(1.0, DETAIL / max(h, w))
    if f < 1:
        size = (max(8, round(w * f)), max(8, round(h * f)))
        g = cv2.resize(g, size, interpolation=cv2.INTER_AREA)
    g -= g.mean()
    g /= g.std() + 1e-3
    return Detail(
        g, g.shape[1] / (w * source_scale[0]), g.shape[0] / (h * source_scale[1])
    )


def embedding_code(e: np.ndarray) -> bytes:
    """Return the 128-bit sign code(s) of one or more texture embeddings."""
    return np.packbits(np.asarray(e) > 0, axis=-1).tobytes()


def compute(image: Image.Image) -> Fingerprint:
    """Fingerprint an image as stored for the registry (see the module docstring).

    The embedding is taken at embedding.REGISTRY_SCALES: three codes in the vector.
    """
    return _compute(image, query=False)


def compute_query(image: Image.Image) -> Fingerprint:
    """Fingerprint a query image: as compute(), with the embedding at 1x only.

    Scales on the registry side rather than the query's: upsizing a clean registered
    tile keeps detail that upsizing a blurred photo has lost (rank recall@15 0.943
    against 0.927, docs/benchmarks.md row 19).
    """
    return _compute(image, query=True)


@cache
def _embedder() -> ThreadPoolExecutor:
    # This thread is the process's second core. OpenBLAS's own pool (the keypoint
    # matrix products, the embedding's layers) would spin-wait on both cores against
    # it and against SIFT's threads: one BLAS thread made fingerprinting 1.6x and a
    # whole query 1.4x faster (docs/benchmarks.md, "Speed"). The limit stays for the
    # process; forked workers inherit it.
    threadpool_limits(limits=1, user_api="blas")
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedding")


# A forked child (eval_match's workers, a pre-loading server) inherits the executor
# but not its thread: work submitted there would wait for ever.
os.register_at_fork(after_in_child=_embedder.cache_clear)


def beside(fn, *args):
    """Run fn(*args) in the background thread (numpy and scipy leave the GIL in their
    loops, so it runs on the second core); return its Future."""
    return _embedder().submit(fn, *args)


def _embeddings(grey: np.ndarray, *, query: bool) -> np.ndarray:
    x = embedding.network_input(grey)
    if query:
        # A photo is not a tile: nothing to wrap round it.
        return embedding.embed(x)[None]
    return embedding.registry_embeddings(x, seamless=is_seamless(grey))


def _compute(image: Image.Image, *, query: bool) -> Fingerprint:
    rgb = _work_array(image)
    grey = normalised_grey(rgb)
    decoded = image.info.get(SOURCE_SCALE, 1.0)
    source_scale = (
        decoded * image.size[0] / rgb.shape[1],
        decoded * image.size[1] / rgb.shape[0],
    )
    # The embedding runs beside SIFT: both leave the GIL, and SIFT keeps two cores
    # busy only part of the time, so the embedding costs little wall time.
    embedded = _embedder().submit(_embeddings, grey, query=query)
    points, descriptors, (w, h) = keypoints(rgb, grey)
    thumb = thumbnail(rgb)
    embedded = embedded.result()
    vector = (
        vocabulary().code(descriptors) + spectrum_code(thumb) + embedding_code(embedded)
    )
    stored = slice(0, STORED_KEYPOINTS)
    return Fingerprint(
        vector=vector,
        features=pack_features(
            points[stored],
            descriptors[stored],
            mean_lab(rgb),
            thumb,
            embedded,
            detail(grey, source_scale),
        ),
        width=w,
        height=h,
        jpeg=_jpeg_query(image) if query else None,
        photo=_photo_query(image) if query else None,
    )


def _photo_query(image: Image.Image) -> Callable[[], np.ndarray | None]:
    """A query's finer grey maker (engine item 24): decoded again only where the
    photo stage runs. An image not reduced at decoding is at hand already."""
    decode = image.info.get(SOURCE_PHOTO)

    @cache
    def make() -> np.ndarray | None:
        if decode is not None:
            rgb = decode()
        else:
            # An evidence photo may be 50 MP: reduced by whole factors first (cheap,
            # no full-size float copy), photo_grey does the rest.
            whole = _to_rgb(image)
            factor = max(whole.size) // PHOTO_SIDE
            rgb = np.asarray(whole.reduce(factor) if factor > 1 else whole)
        return None if rgb is None else photo_grey(rgb)

    return make


def _jpeg_query(image: Image.Image) -> Callable[[], jpegcopy.Query | None] | None:
    """A query's JPEG evidence maker (engine item 23): decoded and read only when the
    engine asks, i.e. when nothing else matched."""
    pixels = source_pixels(image)
    if pixels is None:
        return None
    table = image.info.get(SOURCE_TABLE)

    @cache
    def make() -> jpegcopy.Query | None:
        rgb = pixels()
        return None if rgb is None else jpegcopy.Query.of(rgb, table)

    return make


def train_vocabulary(
    descriptor_sets: list[np.ndarray], *, words: int = 256, seed: int = 0
) -> Vocabulary:
    """Cluster RootSIFT descriptors (and their mirrored/inverted twins) into words."""
    rs = np.concatenate([root_sift(d) for d in descriptor_sets if len(d)])
    rs = np.concatenate([rs[:, perm] for perm, _sign in VARIANTS])
    rng = np.random.default_rng(seed)
    sample = rs[rng.choice(len(rs), min(80_000, len(rs)), replace=False)]
    cv2.setRNGSeed(seed)
    criteria = (cv2.TERM_CRITERIA_MAX_ITER, 20, 0)
    _, _, centres = cv2.kmeans(sample, words, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
    vocab = Vocabulary(
        centres=centres,
        idf=np.ones(words, np.float32),
        mean=np.zeros(words, np.float32),
        planes=np.zeros((words, 1), np.float32),
    )
    hists = [vocab.histogram(d) for d in descriptor_sets]
    present = np.stack([h > 0 for h in hists])
    idf = np.log((len(hists) + 1) / (present.sum(axis=0) + 1)).astype(np.float32)
    vocab = Vocabulary(centres=centres, idf=idf, mean=vocab.mean, planes=vocab.planes)
    mean = np.mean([vocab.embed(d) for d in descriptor_sets], axis=0)
    planes = rng.standard_normal((words, 256)).astype(np.float32)
    return Vocabulary(
        centres=centres, idf=idf, mean=mean.astype(np.float32), planes=planes
    )


def save_vocabulary(vocab: Vocabulary, path: Path) -> None:
    np.savez_compressed(
        path,
        centres=vocab.centres,
        idf=vocab.idf,
        mean=vocab.mean,
        planes=vocab.planes,
    )
