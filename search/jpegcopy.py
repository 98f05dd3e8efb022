"""A JPEG copy of a registered file, told by its own quantisation (engine item 23).

A shop's product picture, a forwarded chat image or a screenshot is usually the design
file itself, re-saved as a JPEG: the same pixels, each 8 x 8 block's cosine transform
rounded to multiples of the quantisation table. Heavy compression (quality 30) leaves a
faint texture little that a correlation can see (docs/benchmarks.md rows 44, 49, 74),
yet what it leaves is not noise: given the file, the copy is determined. So, for a
candidate, the copy's luma coefficients are compared with the candidate's own, rounded
by the copy's table at the shift where the two line up, and the evidence is counted as
a log-likelihood ratio (nats): how much likelier the copy's levels are if they were
rounded from this file than as often as they occur in the copy itself. An unrelated
file sits tens of thousands of nats below zero; a copy as far above it.

The table is read from the pixels (a JPEG re-saved finer, a PNG screenshot of a JPEG, a
decoded array all keep the first, coarsest rounding): the standard (IJG) tables whose
steps the coefficients sit on best, and a JPEG file's own table beside them. Blocks the
decoder clipped (a pixel at 0 or 255) are left out: their coefficients left the table's
grid. Only copies at the file's own pixel grid can be told this way; a resized copy is
the other witnesses'.
"""

from dataclasses import dataclass

import numpy as np
import scipy.fft
import scipy.ndimage
from scipy.special import ndtr

# The JPEG standard's luma table (Annex K), which libjpeg scales by the quality.
_STANDARD = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    dtype=np.int64,
).reshape(64)

_LUMA = np.float32([0.299, 0.587, 0.114])  # JFIF's Y, as the encoder computes it
_k = np.arange(8)
_DCT = np.sqrt(2 / 8) * np.cos(np.pi * (2 * _k[None, :] + 1) * _k[:, None] / 16)
_DCT[0] /= np.sqrt(2)

MIN_BLOCKS = 16  # unclipped blocks a query needs to say anything
READ_VALUES = 16  # non-zero coefficients a frequency needs before its step is read
READ_SAMPLE = 256  # of them, at most, per frequency (the fit is of 64 steps only)
READ_BAR = 0.7  # how much nearer than chance the coefficients sit to a table's steps
READ_TABLES = 4  # tables kept where several fit (read_tables)
# How near a step a decoded coefficient stays: the DC of a flat block moves by up to
# half a grey level of rounding (x 8), an AC coefficient by less.
_READ_TOLERANCE = np.full(64, 2.0)
_READ_TOLERANCE[0] = 4.5
QUALITIES = range(10, 101)  # coarser tables fit anything near-flat (quality 1: 255s)
NOISE = 1.0  # grey levels: the decoder's rounding and the RGB round trip
FLOOR = 1e-3  # the likelihood of a level the candidate's coefficient cannot explain
# Places tried: the best peaks of the whitened luma's and of the block means'
# correlations (a lattice lines up at many places alike, and only the levels tell
# which is the copy's), and the file's own origin (most copies are the whole file).
PEAKS = (24, 8)
SCREEN_BLOCKS = 48  # of the query's, on which every place is first tried
SHORTLIST = 6  # places then tried with every table read, on SAMPLE_BLOCKS
SAMPLE_BLOCKS = 192
# Where a crop was cut is looked for only in files up to this size (six FFTs of the
# file a candidate); a larger file is tried at its origin only: the whole file copied.
PLACES_MAX_PIXELS = 1024 * 1024
# A pass. No unrelated pair of the pattern folder reached 100 nats (85 at most, most of
# them thousands below zero), while a copy's evidence grows with every block it shows
# (hundreds to tens of thousands; lab, row 78).
NATS = 200.0
# Only a heavy compression needs this witness: JPEG copies of the registered files at
# quality 70 are found by the others for 70 of 71, at 85 for 71 of 71, at 50 for 64
# (row 78). So it runs where the copy's DC step is at least quality 60's (13), which
# also spares every phone photo (quality 85-95) its cost (~0.5 s where nothing
# matched).
HEAVY_DC_STEP = 13
# A candidate explaining this share of what the query can say is its file: no other
# design can do better unless it holds the same pixels, so the search stops there.
EXPLAINED = 0.8


def ijg_table(quality: int) -> np.ndarray:
    """The luma table libjpeg (and so Pillow) writes at a quality of 1-100."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((_STANDARD * scale + 50) // 100, 1, 255)


_TABLES = np.stack([ijg_table(q) for q in QUALITIES])  # coarsest first


def luma(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb, dtype=np.float32) @ _LUMA


def blocks(y: np.ndarray) -> np.ndarray:
    """The 8 x 8 blocks' cosine transforms from the image's origin, (rows, cols, 64)."""
    h, w = (y.shape[0] // 8) * 8, (y.shape[1] // 8) * 8
    b = (y[:h, :w] - 128.0).reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3)
    return (_DCT @ b @ _DCT.T).reshape(h // 8, w // 8, 64)


def _unclipped(rgb: np.ndarray) -> np.ndarray:
    h, w = (rgb.shape[0] // 8) * 8, (rgb.shape[1] // 8) * 8
    clipped = ((rgb[:h, :w] == 0) | (rgb[:h, :w] == 255)).any(axis=2)
    return ~clipped.reshape(h // 8, 8, w // 8, 8).any(axis=(1, 3))


def read_tables(coefficients: np.ndarray) -> list[np.ndarray]:
    """The standard tables (of QUALITIES) the coefficients (n, 64) may have been
    rounded by, likeliest first; none where they sit on no table's steps.

    A decoded JPEG's coefficients lie near multiples of its table's steps: within
    the decoder's rounding of each pixel, which for a flat block moves its mean by
    up to half a grey level (4 in the DC). How much nearer than chance tells a
    table. But the reading is not always unique: a faint texture after heavy
    compression keeps two or three levels of block means, which the DC steps of
    several qualities fit alike (27 and 32 both fit means 4 grey levels apart), and
    one step off misreads every block. So up to READ_TABLES tables are kept, and
    the candidate's file decides among them (Query.evidence)."""
    rng = np.random.default_rng(0)
    fits, read = np.zeros(len(_TABLES)), 0
    for k in range(64):
        v = coefficients[:, k]
        v = v[np.abs(v) > 2]
        if len(v) < READ_VALUES:
            continue
        if len(v) > READ_SAMPLE:
            v = rng.choice(v, READ_SAMPLE, replace=False)
        steps = _TABLES[:, k].astype(np.float64)[:, None]
        off = np.abs(v[None, :] - steps * np.round(v[None, :] / steps))
        near = (off <= _READ_TOLERANCE[k]).mean(axis=1)
        chance = np.minimum(1.0, (2 * _READ_TOLERANCE[k] + 1) / steps[:, 0])
        # how much nearer than chance; a step as small as its tolerance says nothing
        fits += np.where(chance < 1, (near - chance) / np.maximum(1 - chance, 1e-9), 0)
        read += 1
    if not read:
        return []
    fits /= read
    order = np.argsort(-fits, kind="stable")  # ties: the coarser table first
    chosen: list[np.ndarray] = []
    for n in order:
        if fits[n] < READ_BAR or len(chosen) == READ_TABLES:
            break
        if not any(np.array_equal(_TABLES[n], t) for t in chosen):
            chosen.append(_TABLES[n])
    return chosen


@dataclass
class Evidence:
    nats: float
    shift: tuple[int, int]  # where the query's origin falls in the candidate, px
    coverage: float  # of the candidate's tile the query shows
    explained: float  # of what the query's levels can say, with the table read


_ALL = slice(None)


class _Levels:
    """The query's coefficients rounded by one table: each level's bounds, and how
    surprising each block's levels are (the likelihood of the levels if the query is
    no copy: as often as each occurs in the query)."""

    def __init__(self, a: np.ndarray, table: np.ndarray) -> None:
        self.table = step = np.asarray(table, dtype=np.float64).reshape(64)
        level = np.round(a / step)
        self.low = (level - 0.5) * step
        self.high = (level + 0.5) * step
        n = len(a)
        surprise = np.zeros(n)
        for k in range(64):
            values, inverse, counts = np.unique(
                level[:, k], return_inverse=True, return_counts=True
            )
            # add-one: a level seen once is not certain
            surprise -= np.log((counts + 1) / (n + len(values) + 1))[inverse]
        self.surprise = surprise
        # The evidence of a candidate that predicts every level for certain: what the
        # query's levels can say at all (a flat query says nothing).
        self.most = float(surprise.sum())

    def nats(self, c: np.ndarray, rows: np.ndarray | slice = _ALL) -> np.ndarray:
        """The evidence that the candidate's coefficients c (..., blocks `rows`, 64)
        were rounded to the query's levels: one figure per leading index."""
        above = (self.high[rows] - c) / NOISE  # how far inside the level's bounds
        below = (c - self.low[rows]) / NOISE
        log_p = np.zeros(c.shape)
        # Only a coefficient near a bound needs the Gaussian: 6 spreads inside, the
        # level is certain; 6 outside, it is the floor.
        near = np.minimum(above, below)
        log_p[near < -6] = np.log(FLOOR)
        edge = np.abs(near) <= 6
        p = ndtr(above[edge]) - ndtr(-below[edge])
        log_p[edge] = np.log(np.maximum(p, FLOOR))
        return log_p.sum(axis=(-2, -1)) + self.surprise[rows].sum()


class Query:
    """What a query's coefficients say as a JPEG copy, made once."""

    def __init__(
        self, y: np.ndarray, c: np.ndarray, ok: np.ndarray, tables: list[np.ndarray]
    ) -> None:
        """y: the query's luma; c: its blocks' transforms; ok: its unclipped blocks."""
        self.rows, self.cols = c.shape[:2]
        self.luma = y[: self.rows * 8, : self.cols * 8].astype(np.float64)
        self.means = c[..., 0] / 8 + 128.0  # each block's mean grey
        ok = np.flatnonzero(ok.reshape(-1))
        self.at = np.stack(np.divmod(ok, self.cols), axis=1) * 8  # block corners
        a = c.reshape(-1, 64)[ok]
        self.readings = [_Levels(a, table) for table in tables]
        self.most = max(r.most for r in self.readings)  # no candidate can say more
        # The blocks the places and tables are first tried on (all, for a small query).
        rng = np.random.default_rng(0)
        order = rng.permutation(len(ok))
        self.screen = np.sort(order[:SCREEN_BLOCKS])
        self.sample = np.sort(order[:SAMPLE_BLOCKS])

    @classmethod
    def of(cls, rgb: np.ndarray, table: np.ndarray | None = None) -> "Query | None":
        """None where the image is too small or shows no heavy JPEG quantisation.
        `table`: the file's own luma table, where the query is a JPEG file (tried
        last)."""
        if rgb.ndim != 3 or min(rgb.shape[:2]) < 8 * 4:
            return None
        ok = _unclipped(rgb)
        if ok.sum() < MIN_BLOCKS:
            return None
        y = luma(rgb)
        c = blocks(y)
        tables = read_tables(c[ok])
        # The file's own table is tried too (an encoder's own, non-standard table),
        # but after the pixels' reading: an upload is stored re-saved at quality 92
        # (designs.images), whose table says nothing of the copy's first rounding.
        if table is not None and not any(np.array_equal(table, t) for t in tables):
            tables.append(np.asarray(table))
        if not any(t[0] >= HEAVY_DC_STEP for t in tables):
            return None  # a light compression: the other witnesses' (HEAVY_DC_STEP)
        return cls(y, c, ok, tables)

    def evidence(self, rgb: np.ndarray) -> Evidence:
        """The best evidence that this query is a JPEG copy of the image `rgb` (one
        tile of the print: the query may show any part of it, wrapping round).

        The file's own origin is tried first (most copies are the whole file): where
        it passes and explains the copy, that is the answer, whatever the file's
        size. Else, for a file of up to PLACES_MAX_PIXELS, every place the
        correlations suggest is screened with every table read on SCREEN_BLOCKS of
        the query's blocks. Where no place explains even those better than chance,
        the screen answers, scaled to all the query's blocks (an unrelated image: most
        candidates end here). Else the best SHORTLIST places are tried on
        SAMPLE_BLOCKS, and the best pair counted over all."""
        y = luma(rgb)
        h, w = y.shape
        coverage = min(1.0, self.rows * self.cols * 64 / (h * w))
        origin = self._counted(y, [(0, 0)], coverage)
        # (a passing count: a coarse table's few levels are "explained" by anything)
        explains = origin.nats >= NATS and origin.explained >= EXPLAINED
        if explains or h * w > PLACES_MAX_PIXELS:
            return origin
        places = self._shifts(y)
        c = np.stack([self._candidate(y, at, self.screen) for at in places])
        screen = np.max([r.nats(c, self.screen) for r in self.readings], axis=0)
        order = np.argsort(-screen, kind="stable")
        if screen[order[0]] <= 0:
            nats = float(screen[order[0]]) * len(self.at) / len(self.screen)
            found = Evidence(nats, places[order[0]], coverage, nats / self.most)
        else:
            found = self._counted(y, [places[n] for n in order[:SHORTLIST]], coverage)
        return max(origin, found, key=lambda e: e.nats)

    def _counted(
        self, y: np.ndarray, places: list[tuple[int, int]], coverage: float
    ) -> Evidence:
        """The best of `places` with every table read, on SAMPLE_BLOCKS; that pair
        counted over all the query's blocks."""
        c = np.stack([self._candidate(y, at, self.sample) for at in places])
        tried = [(r.nats(c, self.sample), r) for r in self.readings]
        best, reading = max(tried, key=lambda t: t[0].max())
        shift = places[int(np.argmax(best))]
        nats = float(reading.nats(self._candidate(y, shift, _ALL)))
        return Evidence(nats, shift, coverage, nats / max(reading.most, 1e-9))

    def _candidate(
        self, y: np.ndarray, shift: tuple[int, int], rows: np.ndarray | slice
    ) -> np.ndarray:
        """The candidate's coefficients under the query's blocks `rows`, the query's
        origin at `shift` of the candidate (wrapping round its tile)."""
        h, w = y.shape
        corners = self.at[rows]
        ys = (shift[0] + corners[:, 0, None] + np.arange(8)) % h  # (m, 8)
        xs = (shift[1] + corners[:, 1, None] + np.arange(8)) % w
        b = y[ys[:, :, None], xs[:, None, :]] - 128.0
        return (_DCT @ b @ _DCT.T).reshape(-1, 64)

    def _shifts(self, y: np.ndarray) -> list[tuple[int, int]]:
        """Where on the tile's torus the query may have been cut: the file's origin,
        and the best PEAKS of two correlations by FFT.

        The luma whitened (every frequency's magnitude ~1) lines up wherever the copy
        kept any detail; a faint texture JPEG has flattened to its block means alone
        lines up by those, correlated with the candidate's 8 x 8 means and normalised
        by the candidate's energy under the query's blocks at each place."""
        h, w = y.shape
        ys = (8 * np.arange(self.rows)) % h
        xs = (8 * np.arange(self.cols)) % w

        def correlate(a: np.ndarray, b: np.ndarray, whiten: bool = False) -> np.ndarray:
            cross = np.conj(scipy.fft.rfft2(a)) * scipy.fft.rfft2(b)
            if whiten:
                magnitude = np.abs(cross)
                cross /= magnitude + 0.1 * magnitude.mean() + 1e-12
            return scipy.fft.irfft2(cross, s=(h, w)).ravel()

        # the query folded onto the candidate's tile (a copy of several repeats)
        py = (np.arange(self.rows * 8) % h)[:, None]
        px = (np.arange(self.cols * 8) % w)[None, :]
        canvas = np.bincount(
            (py * w + px).ravel(),
            weights=(self.luma - self.luma.mean()).ravel(),
            minlength=h * w,
        ).reshape(h, w)
        whitened = correlate(canvas, y - y.mean(), whiten=True)

        # the mean of the 8 x 8 block starting at each pixel, round the torus
        box = scipy.ndimage.uniform_filter(
            y.astype(np.float64), 8, mode="wrap", origin=-4
        )
        box -= box.mean()
        impulses, grid = np.zeros((h, w)), np.zeros((h, w))
        np.add.at(impulses, (ys[:, None], xs[None, :]), self.means - self.means.mean())
        np.add.at(grid, (ys[:, None], xs[None, :]), 1.0)
        energy = correlate(grid, box * box)
        means = correlate(impulses, box) / np.sqrt(np.maximum(energy, 1e-6))

        chosen: list[tuple[int, int]] = [(0, 0)]
        for surface, peaks in zip((whitened, means), PEAKS, strict=True):
            wanted = len(chosen) + peaks
            top = min(200, surface.size - 1)
            order = np.argpartition(-surface, top)[:top]
            for index in order[np.argsort(-surface[order], kind="stable")]:
                dy, dx = divmod(int(index), w)
                # one place per peak: its neighbours are the same alignment, blurred
                if all(_apart(dy, a, h) or _apart(dx, b, w) for a, b in chosen):
                    chosen.append((dy, dx))
                    if len(chosen) == wanted:
                        break
        return chosen


def _apart(a: int, b: int, n: int) -> bool:
    d = abs(a - b) % n
    return min(d, n - d) > 2


def score(nats: float) -> float:
    """NATS maps to the match threshold (0.5), ten times it to 0.91."""
    return nats / (nats + NATS)
