"""Image match engine: candidate index and geometric verification, no Django imports.

Two stages (docs/benchmarks.md, "Image match", has the measurements):

1. ``MatchIndex.candidates``: Hamming distance between 256-bit codes, numpy brute
   force. Exact, needs no training and stays far below the time budget at a million
   designs (32 MB of codes).
2. ``verify_many``: the query's SIFT descriptors are matched against the stored
   keypoints of the shortlisted designs. A match counts only if it is clearly closer
   than the best match in any other shortlisted design or vocabulary word (a ratio
   test across designs: stripes and grid corners exist in every second pattern), then
   matches vote for one rotation and scale, and finally for one translation *modulo
   the repeat*, since a registered image is one tile of an endless print and the copy
   may show any part of it. The number of agreeing matches is the evidence; it is
   mapped to a score in [0, 1] so that MATCH_THRESHOLD is 0.5. Two whole-image
   witnesses stand beside it for copies that keep the whole tile but lose its fine
   detail: the thumbnails' plain circular correlation and their whitened one (phase
   only, which a heavy JPEG of a faint texture still lines up in); each counts only
   when it stands out from the other shortlisted designs, and the plain one, when its
   surface is broad (stripes, streaks), only when it is high. A third aligns the
   detail greys at the files' own pixel scale (a JPEG'd or cropped copy of a design
   file keeps its pixel grid) and counts when they line up at one shift and the
   candidate explains the query there.

A photo of the print breaks every pixel scale: ``photo_alignment`` fits half a tile's
local affine map. For one pair a caller already suspects (a complaint's relied-on
design) ``verify_closely`` searches the whole grid of maps (~0.5-1.5 s a pair); a
search asked to look harder at a photo (``match(..., photo=N)``, the search page's
default) tries, where nothing else matched, the N designs the embedding ranks first
with the quick variant, which scores only the maps the two power spectra agree on.

The shortlist is the union of the nearest designs by the bag-of-words and spectrum codes
and the nearest EMBED_SHORTLIST by the learned texture embedding's sign code. When the
embedding (float, re-ranked among the verified) puts one design clearly first, weaker
keypoint evidence for it suffices, or a weaker correlation where its cosine is close too,
and none when it leads by far (EMBED_* below).
"""

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

import cv2
import numpy as np
import scipy.fft
import scipy.ndimage

from search import fingerprint as fp
from search import jpegcopy
from search.fingerprint import Fingerprint

# Keypoint evidence counts the distinct places where matches agree on rotation, scale
# and translation: 5 or more is a match. Chosen on all 7,260 queries of eval_match
# once votes counted once per place (docs/benchmarks.md, "What was tried", row 14):
# the loosest count that flags well under 1% of the unrelated distractors (0.08%; a
# count of 4 flagged 0.74%, too close to the limit for a registry 200x larger).
EVIDENCE_AT_THRESHOLD = 4.5
# Correlation of the whole-image thumbnails (best over 8 orientations, both signs
# and every circular shift): unrelated prints reach about CORRELATION_FLOOR.
CORRELATION_FLOOR = 0.3
CORRELATION_AT_THRESHOLD = 0.8
MATCH_THRESHOLD = 0.5
# A thumbnail correlation counts in full only when it stands out from the other
# shortlisted designs by CORRELATION_MARGIN, or is nearly perfect: faint textures and
# smooth gradients correlate with several registered designs at 0.8-0.9, a copy with
# one (docs/benchmarks.md, "What was tried", row 8).
CORRELATION_MARGIN = 0.1
CORRELATION_SURE = 0.95
# A broad correlation surface (its peak under CORRELATION_SHARP times its RMS) is one
# of stripes, streaks or smooth shading: any image with lines in the same direction
# lines up with it somewhere, so such a peak counts only from CORRELATION_BROAD. In a
# registry of 10,000 generated textures every plain-correlation flag on one was of
# this kind (peak/RMS 1.7-2.0 at 0.80-0.82), and so were the unrelated distractor
# queries flagged on worn_dots and noisy_grid; true copies decided by this witness
# alone lost 2 of 4,686 queries (docs/benchmarks.md rows 33-34).
CORRELATION_SHARP = 3.0
CORRELATION_BROAD = 0.85
# The same thumbnails correlated after whitening (every frequency's magnitude set to
# about 1, phase kept): the peak over the surface's RMS is a signal-to-noise ratio
# that does not grow with how smooth the images are. A heavy JPEG of a faint texture
# keeps only its 8x8-block means, which still line up with the original's (median
# 18.7 against 5.3 for the best other design, docs/benchmarks.md row 22). Lattices
# and stripes also peak high against each other, so the peak counts only when it is
# PHASE_RATIO times every other shortlisted design's; then PHASE_AT_THRESHOLD maps
# to MATCH_THRESHOLD. 10 and 2x flagged 1.23% of the unrelated distractor queries,
# 14 and 2.5x none beyond the keypoints' own (rows 22-23).
PHASE_AT_THRESHOLD = 14.0
PHASE_RATIO = 2.5
PHASE_EPS = 0.1  # of the mean magnitude, so empty frequencies are not blown up
# Pixel-scale alignment of the details (engine item 12): a JPEG'd or cropped copy of a
# design file keeps the file's pixel grid, so the query's detail grey is brought to
# the candidate's pixel scale and phase-correlated with it over every circular shift
# (the candidate is one tile of the print). The peak over the surface's RMS says the
# two line up at one shift; the plain correlation of the two greys at that shift says
# how much of the query the candidate explains. Lattices line up with any image that
# has their period (peaks of 20-56 against generated noise) but explain nothing of it
# (0.0-0.1); a copy explains 0.2-1.0 after JPEG 30 (docs/benchmarks.md row 36).
DETAIL_Z = 14.0
DETAIL_AT_THRESHOLD = 0.3
# ... or a lower peak when the candidate explains most of the query: structured
# prints (brick, scales, weaves) keep few frequencies through JPEG 30, so their
# peak stays low while their correlation is high (row 36: +0.0019, no new flag).
DETAIL_Z_CLOSE = 8.0
DETAIL_CLOSE = 0.6
# ... or, where the details line up (a plain peak of DETAIL_Z), the same alignment
# low-passed (both greys and the surface through a Gaussian of DETAIL_LOWPASS_SIGMA
# px): JPEG 30 keeps a faint grain's coarse part and drops its fine one, which the
# plain correlation still counts against the copy (roughcloth's peak 27 at a
# correlation of 0.20); low-passed, the candidate explains what the query kept.
# Lab (docs/benchmarks.md row 39): on JPEG 30 and crop 70% + JPEG 30, +7 and +15 of 213
# originals, no unrelated distractor query passing against any of the 213 designs.
# The plain peak is required since a full run (row 39): two renderings of one GIMP
# height field (bluemars, goldcloth) explain 0.6 of each other low-passed at a peak of
# 15, though their plain peak is 11-13; every original the low pass found had >= 16.7.
DETAIL_LOWPASS_SIGMA = 1.0
DETAIL_LOWPASS = 0.4
# ... or, as the plain corner, a low-passed peak of DETAIL_Z_CLOSE where the low-passed
# candidate explains most of the query: scales, checks and weaves after JPEG 30 keep
# their coarse structure, which low-passed lines up at a low peak (black_scales 9.9,
# vichy 9.0) and explains 0.65-0.80 of the copy. Lab (row 45): the nearest unrelated
# distractor pair at such a peak explains 0.60 of the query (two GIMP renderings of
# one height field 0.61-0.62 at 13.6-15.2), so the bar is above both.
DETAIL_LOWPASS_CLOSE = 0.65
# A copy turned by a few degrees (fabric askew under the camera or the scanner) lines
# up at no shift: the turn is read from the two magnitude spectra (in log-polar
# samples, correlated along the angle only: the pixel scale is known) and the query
# turned back before a second alignment. Only turns up to DETAIL_TURN_MAX are tried
# (quarter turns and mirrors are the thumbnails' and keypoints' witnesses), and only
# where the angular correlation's peak stands DETAIL_TURN_Z spreads over its mean
# (a rotated copy's median 4.9; other designs' median 1.5): docs/benchmarks.md row 40.
DETAIL_TURN_MAX = 20.0  # degrees
DETAIL_TURN_Z = 2.0
_TURN_ANGLES = 180  # samples over 180 degrees (the peak is refined between them)
_TURN_RADII = 32
DETAIL_EPS = 0.1  # of the mean cross-power, as PHASE_EPS
# A photo of the print (engine item 17, for one known pair only): the photo's pixels
# say nothing of the file's, and its perspective breaks any one scale. Half a tile
# around the photo's centre is close to one affine map of the tile, found by a grid
# over its four parameters (scale over PHOTO_SCALES query px a candidate px, turn,
# anisotropy and shear) scored by the whitened peak at half the candidate's
# resolution (the photo's detail is the coarser one), the best PHOTO_REFINE refined
# at full resolution; the shipped detail rule then decides. Lab (docs/benchmarks.md
# rows 53-55): 0.685 of the market photos' originals pass, no distractor photo against
# its embedding's 3 nearest designs; 0.5 s a pair, too slow for the registry search.
PHOTO_SCALES = (0.45, 1.0)
PHOTO_SCALE_STEP = 0.07  # natural log
PHOTO_TURN = 9.0  # degrees either way
PHOTO_TURN_STEP = 3.0
PHOTO_SKEW = 0.15  # anisotropy (natural log) and shear, either way
PHOTO_SKEW_STEP = 0.075
PHOTO_REFINE = 4
# The registry search's quick variant (match(..., photo=N)): a power spectrum holds no
# shift, so the tile's, carried through each of the grid's maps, is compared with the
# photo's around its centre (PHOTO_SPECTRUM_SIDE px, frequencies in PHOTO_SPECTRUM_BAND
# cycles a px, every PHOTO_SPECTRUM_EVERY-th) at the cost of one resampling; only the
# PHOTO_QUICK_MAPS it agrees with best get a whitened peak, the best PHOTO_QUICK_STARTS
# are refined by steps at half resolution and the best PHOTO_QUICK_FULL at full.
# Lab (docs/benchmarks.md row 57, 71 photos): 0.606 of the originals pass against the
# full grid's 0.634, no null design passes, ~6x less CPU.
PHOTO_SPECTRUM_SIDE = 96
PHOTO_SPECTRUM_BAND = (0.03, 0.33)
PHOTO_SPECTRUM_EVERY = 3
PHOTO_QUICK_MAPS = 100
PHOTO_QUICK_STARTS = 4
PHOTO_QUICK_FULL = 2
# The designs a photo search aligns are chosen among the embedding's PHOTO_POOL nearest
# of all fetched (docs/benchmarks.md row 58; 40 since engine item 26, which ranks them
# by their half-resolution search too: row 92).
PHOTO_POOL = 40
# An unrelated design's best whitened peak over the photo search's maps: median 5.3
# (the designs aligned beside the 54 originals item 18 found in row 58's run).
PHOTO_NULL_Z = 5.0
# How far a photo pass's peak must stand over the other aligned designs' (item 18's
# PHASE_RATIO, 2.5, until item 25): the finer search raises an original's peak more
# than an unrelated design's (docs/benchmarks.md row 86).
PHOTO_STAND_OUT = 2.0
# The best affine of half a tile, refined to a homography over the whole photo by
# OpenCV's ECC against the tiled candidate, then a whole tile rectified (a photo is a
# perspective: the half tile's affine is right only near the centre). Only a map whose
# peak could count (DETAIL_Z_CLOSE) is refined: unrelated designs peak at ~5, so the
# work is spent on likely originals. PHOTO_ECC_SMOOTHING is ECC's Gaussian (px) before
# each step. Lab (docs/benchmarks.md row 60, 71 photos): 0.606 -> 0.676 of the
# originals pass (the full grid 0.634 -> 0.718), no null design passes, ~0.15 s a
# refined pair.
PHOTO_ECC_ITERATIONS = 60
# Since engine item 24 a map is refined from a peak of PHOTO_ECC_GATE: sampled from
# the fine grey, refined maps from peaks of 5-8 pass where the detail's did not
# (docs/benchmarks.md row 81: +4 registered market photos against the gate at
# DETAIL_Z_CLOSE, no distractor flagged; row 84: ~+0.3 s of CPU a photo search
# nothing matched, as unrelated designs peak at ~5 too).
PHOTO_ECC_GATE = 5.0
PHOTO_ECC_SMOOTHING = 3
PHOTO_ECC_SCALE = 2.0  # area ratio either way from the affine's before it is doubted
# The photo shows the print's repeat more than once (a piece ~1.5 repeats wide): once
# the homography is known, every repeat it shows is sampled back and averaged into one
# tile (engine item 22), the photo's noise averaged down, and aligned beside the
# largest single part of a tile. A repeat the photo shows less than PHOTO_FOLD_SLIVER
# of adds only its edge; less than PHOTO_FOLD_COVERAGE of the tile covered in all is
# not a tile. docs/benchmarks.md row 76: +3 of 426 registered market photos (+4 / -1
# over all 7,260 queries), the same distractor queries flagged, ~+20 ms a photo search.
PHOTO_FOLD_SLIVER = 0.02
PHOTO_FOLD_COVERAGE = 0.5
# The photo stage's chosen window, rectified tile and fold are sampled from the
# query's finer grey (fp.PHOTO_SIDE px, engine item 24) where it is at least
# PHOTO_FINE times the detail's size, each candidate px the mean of up to
# PHOTO_SUPERSAMPLE^2 samples; the fold at the candidate's working grid, then reduced
# as its detail was. The coarse maps are still found on the detail (the finer steps
# on the fine grey since item 25, PHOTO_SEARCH_SUPERSAMPLE). Lab (docs/benchmarks.md
# rows 80-83): at the generator's own perspective the originals pass 0.850 -> 0.897
# (one tile) and 0.798 -> 0.930 (folded) of the market photos; in the engine, whose
# maps are rarely that exact, +6 registered market photos.
PHOTO_FINE = 1.25
PHOTO_SUPERSAMPLE = 4
# The map search's windows (item 25) average at most 2 x 2 fine px a px: as sure as
# 4 x 4 and cheaper, for the many windows a search samples (row 86).
PHOTO_SEARCH_SUPERSAMPLE = 2
DETAIL_MIN_SIDE = 32  # a query smaller than this at the candidate's scale says little
CROPPED_COVERAGE = 0.8  # a copy showing less of the tile than this is named cropped
# Keypoint geometry at a scale beyond this factor either way is not taken as a copy:
# lattices and grids line up with any other lattice of a multiple of their period
# (distractors agreed at 0.06x and 5x), while the copies in the suite, market photos
# included, stay within 0.5x-2x of the registered tile at the working size.
MAX_SCALE = 3.0
SHORTLIST = 30  # candidates verified per query, by the bag-of-words and spectrum codes
# ... and these more by the embedding's code: its top 15 held the original of 0.95 of
# the suite's queries (docs/benchmarks.md, row 18), the verifier's 30 of 0.53-0.70 of
# the market photos and heavy JPEGs.
EMBED_SHORTLIST = 15
# ... and the embedding's next EMBED_DETAIL_SHORTLIST are aligned by their details alone
# (no keypoints, no turn: ~1.5 ms each); one whose detail counts is verified in full. A
# heavy JPEG of a design file keeps its pixels while the codes lose it: the embedding
# ranks such originals 16th-45th (docs/benchmarks.md rows 46 and 48), and the
# detail rule passes, against any of the 213 designs of the pattern folder, only one
# unrelated distractor query, which the engine already flagged.
EMBED_DETAIL_SHORTLIST = 30
# When the embedding puts a candidate first, EMBED_MARGIN (cosine) ahead of every other
# design, EMBED_PLACES agreeing keypoint places, a standing-out thumbnail correlation
# of EMBED_CORRELATION or a whitened peak of EMBED_PHASE (no lead needed) make it a
# match. Alone, a margin of EMBED_MARGIN is met by 23% of the distractor queries, so
# below EMBED_SURE_MARGIN it only lowers the bar. Places and correlation were chosen
# on the even half of the pattern folder and checked on the odd half
# (docs/benchmarks.md row 17); with the whitened correlation, every verified candidate
# of all 7,260 queries was weighed again (row 25): 2 places or a peak of 7 took the
# even half 0.875 -> 0.884 and the held-out odd half 0.860 -> 0.875, flagging 0.57% of
# the unrelated distractor queries (0.45% before; a peak of 5 flagged 1.02%).
EMBED_MARGIN = 0.1
EMBED_PLACES = 2
EMBED_CORRELATION = 0.6
EMBED_PHASE = 7.0
# A thumbnail correlation or a whitened peak backs the leader only at a cosine of at
# least EMBED_SURFACE_COSINE. Both measure the whole surface, which plain noisy
# textures share (ice_age and snow against white_wall, bluemars against goldcloth:
# cosines 0.64-0.71), while the originals they back are 0.78 or closer. Replayed on
# every verified candidate of all 7,260 queries with the photo-trained weights
# (docs/benchmarks.md row 66): 0.72-0.77 each take 4 of the even half's and 1 of
# the odd half's unrelated flags and lose no original on either half.
EMBED_SURFACE_COSINE = 0.75
EMBED_SCORE = 0.51  # just over MATCH_THRESHOLD: sure enough to flag, not more
# A leader EMBED_SURE_MARGIN ahead of every other design at a cosine of at least
# EMBED_SURE_COSINE needs no other backing. Chosen on the even half of the pattern
# folder by replaying every verified candidate (docs/benchmarks.md row 26): the odd
# half +0.0035 for one more unrelated distractor query flagged; a margin of 0.25 took
# the even half's unrelated flags from 0.70% to 1.66%, 0.15 to 3.6%.
# These lead rules were chosen with the embedding's former weights. With the
# photo-trained weights (engine item 20) they made 11 of the 22 unrelated distractor
# queries of ~2,400 flagged (0.92%; 12, 0.50%, before); a larger margin alone did not
# hold on the held-out half. The replay of row 66 added EMBED_SURFACE_COSINE (17, 0.71%);
# the 6 left are backed by places or the sure rule, where no floor was free.
EMBED_SURE_MARGIN = 0.3
EMBED_SURE_COSINE = 0.8
QUERY_KEYPOINTS = 600
RATIO = 0.8
CODE_BYTES = fp.VECTOR_BITS // 8
# uint64 words: 4 bag of words, 4 spectrum, 2 per embedding code (3 for a registered
# image, 1 for a query).
CODE_WORDS = CODE_BYTES // 8
QUERY_BYTES = fp.QUERY_VECTOR_BITS // 8
_EMBED_CODES = (CODE_WORDS - 8) // 2


@dataclass(frozen=True)
class Result:
    key: int
    score: float
    is_match: bool
    alteration: str | None
    evidence: float = 0.0  # agreeing keypoint matches
    correlation: float = 0.0  # best thumbnail correlation
    embedding: float = 0.0  # texture embedding cosine (best over the query's scales)
    phase: float = 0.0  # whitened thumbnail correlation, peak over RMS


class MatchIndex:
    """In-memory codes of the registered images, searched by Hamming distance.

    Plain arrays, no per-key dict: at a million designs a dict of Python ints would
    take three times the memory of the codes. Lookups by key scan the key array,
    which takes about a millisecond at that size and only happens on add and remove.
    """

    def __init__(self) -> None:
        self._keys = np.zeros(0, np.int64)
        self._codes = np.zeros((0, CODE_WORDS), np.uint64)
        self._used = 0  # slots [0, _used) hold keys; -1 marks a removed one

    def __len__(self) -> int:
        return int((self._keys[: self._used] >= 0).sum())

    @property
    def nbytes(self) -> int:
        return self._keys.nbytes + self._codes.nbytes

    def load(self, keys: np.ndarray, codes: np.ndarray) -> None:
        """Replace the contents with keys (n,) and codes (n, CODE_BYTES) uint8."""
        codes = np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1, CODE_BYTES)
        if len(keys) != len(codes):
            raise ValueError(f"{len(keys)} keys for {len(codes)} codes")
        self._keys = np.array(keys, np.int64)
        self._codes = codes.view(np.uint64).copy()
        self._used = len(self._keys)

    def add_many(self, keys: np.ndarray, codes: np.ndarray) -> None:
        """Append new keys (not already in the index) with their codes."""
        codes = np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1, CODE_BYTES)
        n = len(codes)
        if self._used + n > len(self._keys):
            # Grow by half again, so adding rows one by one costs O(n) copies.
            size = max(self._used + n, len(self._keys) * 3 // 2, 16)
            keys_grown = np.full(size, -1, np.int64)
            codes_grown = np.zeros((size, CODE_WORDS), np.uint64)
            keys_grown[: self._used] = self._keys[: self._used]
            codes_grown[: self._used] = self._codes[: self._used]
            self._keys, self._codes = keys_grown, codes_grown
        self._keys[self._used : self._used + n] = keys
        self._codes[self._used : self._used + n] = codes.view(np.uint64)
        self._used += n

    def add(self, key: int, vector: bytes) -> None:
        self.remove(key)
        self.add_many(np.array([key]), np.frombuffer(vector, np.uint8, CODE_BYTES))

    def remove(self, key: int) -> None:
        self._keys[np.flatnonzero(self._keys[: self._used] == key)] = -1

    def distances(self, vector: bytes) -> np.ndarray:
        """Hamming distances (3 × slots in use): bag of words, spectrum, embedding.

        `vector` is a query's (QUERY_BYTES): its one embedding code is compared with
        each of a registered image's, and the nearest counts.
        """
        q = np.frombuffer(vector, np.uint8, QUERY_BYTES).view(np.uint64)
        q = np.concatenate([q[:8], np.tile(q[8:10], _EMBED_CODES)])
        out = np.empty((3, self._used), np.uint16)
        # In blocks that stay in the CPU cache, one popcount pass over all words, then
        # the words added in pairs as uint8 (two words differ in at most 128 bits: no
        # overflow) and only the 4 bag-of-words and spectrum pairs widened to uint16 —
        # 26 ms instead of 43 at 1M designs.
        for s in range(0, self._used, _BLOCK):
            e = min(s + _BLOCK, self._used)
            x = np.bitwise_count(self._codes[s:e] ^ q)
            pairs = x[:, 0::2] + x[:, 1::2]
            np.add(pairs[:, 0], pairs[:, 1], out=out[0, s:e], dtype=np.uint16)
            np.add(pairs[:, 2], pairs[:, 3], out=out[1, s:e], dtype=np.uint16)
            # Each 128-bit embedding code is one pair: the nearest of them counts.
            nearest = pairs[:, 4].copy()
            for j in range(5, 4 + _EMBED_CODES):
                np.minimum(nearest, pairs[:, j], out=nearest)
            out[2, s:e] = nearest
        return out

    def shortlists(
        self, query: Fingerprint, k: int, k_embedded: int
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Return the nearest (key, Hamming distance) by the first two codes, and by
        the embedding's.

        The first list takes up to k, the nearest of the bag-of-words and spectrum codes
        in turn: they fail on different copies (local features on a blurred or heavily
        compressed photo, the spectrum on a crop), so each gets half the places instead
        of both being summed into one distance. The second takes the k_embedded nearest
        by the embedding's code, whether or not they are in the first.
        """
        if self._used == 0 or (k <= 0 and k_embedded <= 0):
            return [], []
        d = self.distances(query.vector)
        removed = self._keys[: self._used] < 0
        d[:, removed] = fp.VECTOR_BITS
        keys = self._keys[: self._used]
        out: list[tuple[int, int]] = []
        if k > 0:
            lists = [_nearest(d[col], keys, k) for col in (0, 1)]
            seen = set()
            for pair in zip(*lists, strict=True):
                for i in pair:
                    key = int(keys[i])
                    if key >= 0 and key not in seen:
                        seen.add(key)
                        out.append((key, int(d[0, i]) + int(d[1, i])))
        embedded = []
        if k_embedded > 0:
            embedded = [
                (int(keys[i]), int(d[2, i]))
                for i in _nearest(d[2], keys, k_embedded)
                if keys[i] >= 0
            ]
        return out[:k], embedded

    def candidates(
        self, query: Fingerprint, k: int, k_embedded: int = 0
    ) -> list[tuple[int, int]]:
        """Return the first shortlist, then the embedding's keys not already in it."""
        first, embedded = self.shortlists(query, k, k_embedded)
        seen = {key for key, _d in first}
        return first + [(key, d) for key, d in embedded if key not in seen]


_BLOCK = 32_768


def _nearest(d: np.ndarray, keys: np.ndarray, k: int) -> np.ndarray:
    """Return the indexes of the k smallest distances, nearest first (ties by key)."""
    k = min(k, len(d))
    # Distances are small integers: a histogram finds the cut-off distance, and a
    # comparison picks the few rows within it, cheaper than argpartition at 1M rows.
    counts = np.cumsum(np.bincount(d, minlength=fp.VECTOR_BITS + 1))
    cut = int(np.searchsorted(counts, k))
    within = np.flatnonzero(d <= cut)
    order = np.lexsort((keys[within], d[within]))
    return within[order[:k]]


def score_from_evidence(evidence: float) -> float:
    """Map agreeing matches to [0, 1]; EVIDENCE_AT_THRESHOLD maps to MATCH_THRESHOLD."""
    return float(evidence / (evidence + EVIDENCE_AT_THRESHOLD))


def score_from_correlation(r: float) -> float:
    """Map a thumbnail correlation to [0, 1]: floor → 0, threshold → 0.5, 1 → 1."""
    if r >= CORRELATION_AT_THRESHOLD:
        return float(
            0.5 + 0.5 * (r - CORRELATION_AT_THRESHOLD) / (1 - CORRELATION_AT_THRESHOLD)
        )
    excess = max(r - CORRELATION_FLOOR, 0.0)
    return float(0.5 * excess / (CORRELATION_AT_THRESHOLD - CORRELATION_FLOOR))


def score_from_phase(z: float) -> float:
    """Map a whitened correlation peak to [0, 1]; PHASE_AT_THRESHOLD → 0.5."""
    return float(z / (z + PHASE_AT_THRESHOLD)) if z > 0 else 0.0


def score_from_detail(ncc: float) -> float:
    """Map the aligned details' correlation to [0, 1]; DETAIL_AT_THRESHOLD → 0.5."""
    if ncc >= DETAIL_AT_THRESHOLD:
        return float(
            0.5 + 0.5 * (ncc - DETAIL_AT_THRESHOLD) / (1 - DETAIL_AT_THRESHOLD)
        )
    return float(0.5 * max(ncc, 0.0) / DETAIL_AT_THRESHOLD)


@dataclass(frozen=True)
class _Alignment:
    """The query's detail aligned with a candidate's (engine items 12-14)."""

    z: float = 0.0  # the whitened surface's peak over its RMS
    ncc: float = 0.0  # the two greys' correlation at that shift, either sign
    inverted: bool = False
    coverage: float = 1.0  # share of the candidate's tile the query covers
    lp_z: float = 0.0  # the same alignment low-passed: peak over RMS
    lp_ncc: float = 0.0  # ... and the low-passed greys' correlation there
    turn: float = 0.0  # degrees the query was turned back to line up
    shift: tuple[int, int] = (0, 0)  # (rows, columns) of the plain peak

    @property
    def value(self) -> float:
        """Return the details' correlation if they line up at one shift, else 0.

        A low-passed alignment that passes (with the plain peak, or at the close
        corner) counts as the plain correlation its own bar stands for:
        DETAIL_LOWPASS maps to DETAIL_AT_THRESHOLD, 1 to 1.
        """
        plain = 0.0
        if self.z >= DETAIL_Z or (
            self.z >= DETAIL_Z_CLOSE and self.ncc >= DETAIL_CLOSE
        ):
            plain = self.ncc
        if (
            self.z >= DETAIL_Z
            and self.lp_z >= DETAIL_Z
            and self.lp_ncc >= DETAIL_LOWPASS
        ) or (self.lp_z >= DETAIL_Z_CLOSE and self.lp_ncc >= DETAIL_LOWPASS_CLOSE):
            lowpass = DETAIL_AT_THRESHOLD + (self.lp_ncc - DETAIL_LOWPASS) * (
                1 - DETAIL_AT_THRESHOLD
            ) / (1 - DETAIL_LOWPASS)
            return max(plain, lowpass)
        return plain


def score_of(evidence: "_Evidence") -> float:
    return max(
        score_from_evidence(evidence.count),
        score_from_correlation(evidence.correlation_counted),
        score_from_phase(evidence.phase_counted),
        score_from_detail(evidence.detail.value),
    )


def evidence_from_score(score: float) -> float:
    """Invert score_from_evidence (for calibration)."""
    return float(score * EVIDENCE_AT_THRESHOLD / max(1 - score, 1e-9))


@dataclass(frozen=True)
class _Evidence:
    count: float
    mirrored: bool = False
    inverted: bool = False
    rotation: float = 0.0
    scale: float = 1.0
    coverage: float = 1.0
    colour_shift: float = 0.0  # CIELAB distance between the mean colours
    correlation: float = 0.0
    corr_orientation: int = 0  # 0-3 quarter turns, +4 if mirrored
    corr_inverted: bool = False
    corr_runner_up: float = 0.0  # best correlation of any other shortlisted design
    corr_z: float = 0.0  # the correlation's peak over its surface's RMS (0: broad)
    phase: float = 0.0  # whitened thumbnail correlation: peak over RMS
    phase_orientation: int = 0
    phase_inverted: bool = False
    phase_runner_up: float = 0.0  # best phase peak of any other shortlisted design
    detail: _Alignment = _Alignment()  # pixel-scale detail alignment

    @property
    def phase_counted(self) -> float:
        """Return the phase peak if it stands out from every other design, else 0."""
        if self.phase >= PHASE_RATIO * self.phase_runner_up:
            return self.phase
        return 0.0

    @property
    def correlation_counted(self) -> float:
        """Return the correlation, capped at the threshold when it does not stand out
        from the other designs, or comes from a broad surface without being high."""
        c = self.correlation
        broad = self.corr_z < CORRELATION_SHARP and c < CORRELATION_BROAD
        if not broad and (
            c > CORRELATION_SURE or c - self.corr_runner_up >= CORRELATION_MARGIN
        ):
            return c
        return min(c, CORRELATION_AT_THRESHOLD)


def verify(query: Fingerprint, candidate: Fingerprint) -> tuple[float, str | None]:
    """Score one candidate against the query; return (score, alteration or None)."""
    (evidence,) = verify_many(query, [candidate])
    score = score_of(evidence)
    return score, describe(evidence) if score > MATCH_THRESHOLD else None


def verify_many(
    query: Fingerprint,
    candidates: list[Fingerprint],
    groups: list[int] | None = None,
) -> list[_Evidence]:
    """Weigh the evidence for each candidate: keypoints, then thumbnail correlations.

    `groups` names the design of each candidate image: images of one design (its
    colourways, a detail photo) do not compete with each other in the ratio test or
    as the runner-up correlation, only with other designs.
    """
    group = np.arange(len(candidates)) if groups is None else np.asarray(groups)
    # The detail alignments run beside the keypoints and thumbnails, and this
    # thread takes the ones left when those are done.
    work = _DetailWork(query, candidates)
    background = fp.beside(work.run)
    results = _keypoint_evidence(query, candidates, group)
    correlations = _correlations(query, candidates)
    work.run()
    background.result()
    details = work.out
    values = np.array([c.plain for c in correlations] + [0.0])
    phases = np.array([c.phase for c in correlations] + [0.0])
    for n, c in enumerate(correlations):
        others = np.append(group != group[n], True)  # the 0.0 sentinel: no others
        results[n] = replace(
            results[n],
            correlation=c.plain,
            corr_orientation=c.orientation,
            corr_inverted=c.inverted,
            corr_z=c.plain_z,
            corr_runner_up=float(values[others].max()),
            phase=c.phase,
            phase_orientation=c.phase_orientation,
            phase_inverted=c.phase_inverted,
            phase_runner_up=float(phases[others].max()),
            detail=details[n],
            colour_shift=float(np.linalg.norm(query.colour() - candidates[n].colour())),
        )
    return results


@dataclass(frozen=True)
class _Correlation:
    plain: float = 0.0
    orientation: int = 0
    inverted: bool = False
    plain_z: float = 0.0  # the plain peak over its surface's RMS
    phase: float = 0.0
    phase_orientation: int = 0
    phase_inverted: bool = False


def _whiten(spectrum: np.ndarray) -> np.ndarray:
    """Set each frequency's magnitude to about 1 (PHASE_EPS keeps empty ones small)."""
    magnitude = np.abs(spectrum)
    floor = PHASE_EPS * magnitude.mean(axis=(-2, -1), keepdims=True) + 1e-6
    white = spectrum / (magnitude + floor)
    white[..., 0, 0] = 0  # the mean carries no pattern
    return white


def _correlations(
    query: Fingerprint, candidates: list[Fingerprint]
) -> list[_Correlation]:
    """Best circular correlation of the thumbnails over the 8 orientations and sign,
    plain and whitened (all candidates in one batch of FFTs)."""
    q = query.thumbnail()
    out = [_Correlation()] * len(candidates)
    thumbs = [(n, c.thumbnail()) for n, c in enumerate(candidates)]
    thumbs = [(n, t) for n, t in thumbs if t is not None]
    if q is None or not thumbs:
        return out
    turned = [
        np.rot90(q[:, ::-1] if flip else q, k) for flip in (0, 1) for k in range(4)
    ]
    spectra = np.fft.rfft2(np.stack(turned))
    cf = np.fft.rfft2(np.stack([t for _n, t in thumbs]))[:, None]
    shape = q.shape
    plain = np.fft.irfft2(cf * np.conj(spectra), s=shape) / q.size
    white = np.fft.irfft2(_whiten(cf) * np.conj(_whiten(spectra)), s=shape)
    plain = plain.reshape(len(thumbs), 8, -1)
    white = white.reshape(len(thumbs), 8, -1)
    # Plain: the orientation with the largest |correlation|. Whitened: the one with
    # the largest peak over the surface's RMS (the statistic that is compared).
    orientation = np.abs(plain).max(axis=2).argmax(axis=1)
    value = _signed_peak(plain, orientation)
    chosen = plain[np.arange(len(plain)), orientation]
    plain_rms = np.sqrt((chosen * chosen).mean(axis=1)) + 1e-12
    z = np.abs(white).max(axis=2) / (np.sqrt((white * white).mean(axis=2)) + 1e-12)
    w_orientation = z.argmax(axis=1)
    w_value = _signed_peak(white, w_orientation)
    for row, (n, _t) in enumerate(thumbs):
        out[n] = _Correlation(
            abs(float(value[row])),
            int(orientation[row]),
            bool(value[row] < 0),
            abs(float(value[row])) / float(plain_rms[row]),
            float(z[row, w_orientation[row]]),
            int(w_orientation[row]),
            bool(w_value[row] < 0),
        )
    return out


def _taper(n: int) -> np.ndarray:
    """A raised-cosine edge over an eighth of the length: a cut edge is no pattern."""
    m = max(2, n // 8)
    edge = 0.5 - 0.5 * np.cos(np.pi * np.arange(m) / m)
    v = np.ones(n, np.float32)
    v[:m] = edge[:n]
    v[-m:] = edge[::-1][-n:]
    return v


class _DetailWork:
    """The detail alignments of one query, a candidate at a time, taken by whichever
    thread is free: verify_many starts one beside the keypoints and joins in when
    they are done. On real registries every candidate has its own pixel scale, so
    the alignments take about twice as long as the keypoints (docs/benchmarks.md,
    "Speed")."""

    def __init__(
        self, query: Fingerprint, candidates: list[Fingerprint], *, turn: bool = True
    ):
        self.turn = turn
        self.query = query.detail()
        self.candidates = candidates
        self.out = [_Alignment()] * len(candidates)
        # The query at each candidate scale; two threads may both make one, alike.
        self.prepared: dict[tuple, _PreparedQuery | None] = {}
        self._next = itertools.count()  # next() on a count is atomic under the GIL

    def run(self) -> None:
        if self.query is None:
            return
        while (n := next(self._next)) < len(self.candidates):
            self.out[n] = self.align(self.candidates[n])

    def run_on_both_threads(self) -> list[_Alignment]:
        background = fp.beside(self.run)
        self.run()
        background.result()
        return self.out

    def align(self, cand: Fingerprint) -> _Alignment:
        """The query is resized so that one of its pixels covers what one of the
        candidate's does in the source files, cut to the candidate's tile if larger
        (its centre), tapered and zero-padded if smaller; the cross-power spectrum,
        whitened, gives the shift (its peak over its RMS is the z); the plain
        correlation of the two greys over the query's extent at that shift is the
        ncc, either sign. The same again with the surface and both greys low-passed
        (DETAIL_LOWPASS_SIGMA). Where neither lines up, the query turned back by the
        turn its spectrum shows against the candidate's is aligned once more.
        """
        q, c = self.query, cand.detail()
        if c is None:
            return _Alignment()
        shape = c.grey.shape
        rx, ry = c.fx / q.fx, c.fy / q.fy
        key = (round(rx, 3), round(ry, 3), shape)
        if key not in self.prepared:
            self.prepared[key] = _prepare_query(q.grey, rx, ry, shape)
        query_at = self.prepared[key]
        if query_at is None:
            return _Alignment()
        candidate = _CandidateDetail(c.grey)
        best = _align(query_at, candidate)
        if self.turn and best.value <= DETAIL_AT_THRESHOLD:
            turn = _turn(query_at, candidate.spectrum)
            turned = (
                None
                if turn is None
                else _prepare_query(_turned(q.grey, turn), rx, ry, shape)
            )
            if turned is not None:
                again = _align(turned, candidate)
                if again.value > best.value:
                    best = replace(again, turn=turn)
        return best


class _CandidateDetail:
    """A candidate's detail grey with its spectrum, and its low-passed grey when an
    alignment (plain or turned back) first asks for it."""

    def __init__(self, grey: np.ndarray):
        self.grey = grey
        self.spectrum = scipy.fft.rfft2(grey)

    @cached_property
    def lowpassed(self) -> np.ndarray:
        shape = self.grey.shape
        return scipy.fft.irfft2(self.spectrum * _lowpass_gain(shape), s=shape)


def _align(query_at: "_PreparedQuery", candidate: _CandidateDetail) -> _Alignment:
    """Phase-correlate a prepared query with one candidate's detail, plain and
    low-passed; a correlation is measured only at a peak that could count."""
    grey = candidate.grey
    shape = grey.shape
    cross = _whitened_cross(query_at.spectrum, candidate.spectrum)
    gain = _lowpass_gain(shape)
    z, shift = _peak(scipy.fft.irfft2(cross, s=shape))
    lp_z, lp_shift = _peak(scipy.fft.irfft2(cross * gain, s=shape))
    ncc = _ncc_at(query_at.grey, grey, shift) if z >= DETAIL_Z_CLOSE else 0.0
    lp_ncc = 0.0
    # Both low-passed corners need at least the close corner's peak.
    if lp_z >= DETAIL_Z_CLOSE:
        lp_ncc = _ncc_at(query_at.lowpassed, candidate.lowpassed, lp_shift)
    # The two peaks are one shift for a copy; the sign of the stronger
    # correlation says whether the copy's lightness is inverted.
    inverted = (lp_ncc if abs(lp_ncc) > abs(ncc) else ncc) < 0
    return _Alignment(
        z, abs(ncc), inverted, query_at.coverage, lp_z, abs(lp_ncc), shift=shift
    )


def _turn(query_at: "_PreparedQuery", spectrum: np.ndarray) -> float | None:
    """Return the turn (degrees, 1 to DETAIL_TURN_MAX either way) that best lines up
    the query's magnitude spectrum with the candidate's, if it stands out."""
    polar = _log_polar(spectrum, query_at.tile_shape)
    spectra = scipy.fft.fft(query_at.polar, axis=0) * np.conj(
        scipy.fft.fft(polar, axis=0)
    )
    corr = np.real(scipy.fft.ifft(spectra, axis=0)).sum(axis=1)
    z = (corr - corr.mean()) / (corr.std() + 1e-9)
    tried = np.where(_TURNS_TRIED, z, -np.inf)
    best = int(np.argmax(tried))
    if tried[best] < DETAIL_TURN_Z:
        return None
    # Between samples: the vertex of the parabola through the peak and its neighbours.
    left, right = z[best - 1], z[(best + 1) % len(z)]
    bend = left - 2 * z[best] + right
    offset = 0.5 * (left - right) / bend if bend < 0 else 0.0
    return float(_TURN_DEGREES[best] + offset * 180.0 / _TURN_ANGLES)


_TURN_DEGREES = np.arange(_TURN_ANGLES) * 180.0 / _TURN_ANGLES
_TURN_DEGREES = np.where(_TURN_DEGREES > 90, _TURN_DEGREES - 180, _TURN_DEGREES)
# Turns under a degree are the plain alignment's; beyond DETAIL_TURN_MAX not a copy's.
_TURNS_TRIED = (np.abs(_TURN_DEGREES) >= 1.0) & (
    np.abs(_TURN_DEGREES) <= DETAIL_TURN_MAX
)


@lru_cache(maxsize=64)
def _log_polar_maps(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Sample points of a log-polar grid (angles -90..90, radii 3/side..0.35) in an
    rfft2 magnitude array (negative vertical frequencies as negative rows)."""
    h, w = shape
    radii = np.exp(np.linspace(np.log(3.0 / min(h, w)), np.log(0.35), _TURN_RADII))
    angles = -np.pi / 2 + np.arange(_TURN_ANGLES) * np.pi / _TURN_ANGLES
    fx = radii[None] * np.cos(angles)[:, None]
    fy = radii[None] * np.sin(angles)[:, None]
    return (fx * w).astype(np.float32), (fy * h).astype(np.float32)


def _log_polar(spectrum: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Log-magnitude of an rfft2 spectrum in log-polar samples, each radius centred."""
    spectrum = spectrum.astype(np.complex64, copy=False)
    magnitude = cv2.magnitude(
        np.ascontiguousarray(spectrum.real), np.ascontiguousarray(spectrum.imag)
    )
    magnitude = cv2.log(magnitude + 1.0)
    mx, my = _log_polar_maps(shape)
    # Negative vertical frequencies sit at the bottom rows: the map wraps round.
    polar = cv2.remap(magnitude, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    return polar - polar.mean(axis=0, keepdims=True)


def _turned(grey: np.ndarray, degrees: float) -> np.ndarray:
    """Turn a grey about its centre; what comes in from outside is mean grey (0)."""
    h, w = grey.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(
        grey - grey.mean(), m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0
    )


def _peak(surface: np.ndarray) -> tuple[float, tuple[int, int]]:
    """Return a correlation surface's peak over its RMS, and where it is."""
    peak = int(np.abs(surface).argmax())
    rms = float(np.sqrt((surface * surface).mean())) + 1e-12
    shift = np.unravel_index(peak, surface.shape)
    return abs(float(surface.flat[peak])) / rms, (int(shift[0]), int(shift[1]))


def _ncc_at(q_in: np.ndarray, grey: np.ndarray, shift: tuple[int, int]) -> float:
    """Return the signed correlation of the query part with the candidate's grey
    under it at a surface's shift."""
    # The surface at d is sum q(x) c(x - d): the candidate's grey under the query
    # at that shift, wrapped round the tile.
    dy, dx = shift
    rows = (np.arange(q_in.shape[0]) - dy) % grey.shape[0]
    cols = (np.arange(q_in.shape[1]) - dx) % grey.shape[1]
    under = grey[np.ix_(rows, cols)]
    under = under - under.mean()
    return float((q_in * under).sum()) / (
        float(np.sqrt((q_in * q_in).sum() * (under * under).sum())) + 1e-9
    )


@lru_cache(maxsize=64)
def _lowpass_gain(shape: tuple[int, int]) -> np.ndarray:
    """A Gaussian of DETAIL_LOWPASS_SIGMA px as a gain on rfft2 frequencies."""
    fy = scipy.fft.fftfreq(shape[0])[:, None]
    fx = scipy.fft.rfftfreq(shape[1])[None, :]
    sigma = DETAIL_LOWPASS_SIGMA
    return np.exp(-2 * np.pi**2 * sigma**2 * (fx * fx + fy * fy)).astype(np.float32)


@dataclass(frozen=True)
class _PreparedQuery:
    spectrum: np.ndarray  # of the query part, zero-padded to the candidate's tile
    grey: np.ndarray  # the query part, tapered when it is smaller than the tile
    lowpassed: np.ndarray  # the same, low-passed before the taper
    coverage: float  # share of the tile the query covers
    tile_shape: tuple[int, int]  # the candidate's, which the spectrum is of

    @cached_property
    def polar(self) -> np.ndarray:
        """The log-polar magnitude spectrum, for the turn (made when first asked)."""
        return _log_polar(self.spectrum, self.tile_shape)


def _prepare_query(
    grey: np.ndarray, rx: float, ry: float, shape: tuple[int, int]
) -> _PreparedQuery | None:
    """The query's detail at a candidate's scale, in the corner of its tile; None
    when the query is too small there to say anything."""
    h, w = grey.shape
    size = (max(1, round(w * rx)), max(1, round(h * ry)))
    if min(size) < DETAIL_MIN_SIDE:
        return None
    if size != (w, h):
        interp = cv2.INTER_AREA if size[0] < w else cv2.INTER_LINEAR
        grey = cv2.resize(grey, size, interpolation=interp)
    # A copy larger than the tile: its centre, one tile's worth.
    y0 = max(0, (grey.shape[0] - shape[0]) // 2)
    x0 = max(0, (grey.shape[1] - shape[1]) // 2)
    grey = grey[y0 : y0 + shape[0], x0 : x0 + shape[1]]
    grey = grey - grey.mean()
    lowpassed = cv2.GaussianBlur(
        grey, (0, 0), DETAIL_LOWPASS_SIGMA, borderType=cv2.BORDER_REPLICATE
    )
    lowpassed = lowpassed - lowpassed.mean()
    gh, gw = grey.shape
    if (gh, gw) != shape:
        edge = np.outer(_taper(gh), _taper(gw))
        grey, lowpassed = grey * edge, lowpassed * edge
    pad = np.zeros(shape, np.float32)
    pad[:gh, :gw] = grey
    return _PreparedQuery(
        scipy.fft.rfft2(pad), grey, lowpassed, gh * gw / (shape[0] * shape[1]), shape
    )


def _signed_peak(surfaces: np.ndarray, orientation: np.ndarray) -> np.ndarray:
    """Return each row's value of largest |correlation| in its chosen orientation."""
    chosen = surfaces[np.arange(len(surfaces)), orientation]
    return chosen[np.arange(len(chosen)), np.abs(chosen).argmax(axis=1)]


def _keypoint_evidence(
    query: Fingerprint, candidates: list[Fingerprint], group: np.ndarray | None = None
) -> list[_Evidence]:
    group = np.arange(len(candidates)) if group is None else group
    qp, qd = query.keypoints()
    qp, qd = qp[:QUERY_KEYPOINTS], qd[:QUERY_KEYPOINTS]
    results = [_Evidence(0.0) for _ in candidates]
    stored = [c.keypoints() for c in candidates]
    lens = [len(p) for p, _d in stored]
    if len(qd) < 3 or sum(lens) == 0:
        return results
    qr = fp.root_sift(qd)
    cp = np.concatenate([p for p, _d in stored])
    cr = fp.root_sift(np.concatenate([d for _p, d in stored]))
    owner = np.repeat(np.arange(len(candidates)), lens)
    nonempty = [i for i, n in enumerate(lens) if n]
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])[nonempty]
    rows = np.arange(len(qr))
    per_variant: list[list[_Evidence]] = [[] for _ in candidates]
    words = fp.vocabulary().centres
    words = words / np.linalg.norm(words, axis=1, keepdims=True)
    background = (qr @ words.T).max(axis=1)
    for variant, (perm, sign) in enumerate(fp.VARIANTS):
        sims = qr[:, perm] @ cr.T
        best = sims.argmax(axis=1)
        best_owner = owner[best]
        s1 = sims[rows, best]
        per_owner = np.full((len(qr), len(candidates)), -1.0, np.float32)
        per_owner[:, nonempty] = np.maximum.reduceat(sims, starts, axis=1)
        # The second best must come from another design, not from another image of
        # the same one.
        per_owner[group[None, :] == group[best_owner][:, None]] = -1
        s2 = np.maximum(per_owner.max(axis=1), background)
        d1 = np.sqrt(np.maximum(2 - 2 * s1, 0))
        d2 = np.sqrt(np.maximum(2 - 2 * s2, 0))
        good = d1 < RATIO * d2
        angles = sign * qp[:, 3]
        for n in np.unique(best_owner[good]):
            sel = good & (best_owner == n)
            if sel.sum() < 3:
                continue
            ev = _vote(
                qp[sel, :2],
                angles[sel],
                qp[sel, 2],
                cp[best[sel]],
                (candidates[n].width, candidates[n].height),
                mirrored=sign < 0,
                query_size=(query.width, query.height),
            )
            if ev is not None and abs(np.log(ev.scale)) <= np.log(MAX_SCALE):
                per_variant[n].append(
                    _Evidence(
                        ev.count,
                        mirrored=sign < 0,
                        inverted=variant >= 2,
                        rotation=ev.rotation,
                        scale=ev.scale,
                        coverage=ev.coverage,
                        colour_shift=float(
                            np.linalg.norm(query.colour() - candidates[n].colour())
                        ),
                    )
                )
    for n, found in enumerate(per_variant):
        if not found:
            continue
        strongest = max(e.count for e in found)
        # Many prints are symmetric, so the mirrored or inverted reading can tie
        # with the plain one; name an alteration only when it clearly wins.
        plain = next(e for e in found if e.count >= 0.85 * strongest)
        results[n] = _Evidence(
            strongest,
            mirrored=plain.mirrored,
            inverted=plain.inverted,
            rotation=plain.rotation,
            scale=plain.scale,
            coverage=plain.coverage,
            colour_shift=plain.colour_shift,
        )
    return results


def _vote(
    qxy: np.ndarray,
    qangle: np.ndarray,
    qsize: np.ndarray,
    cpts: np.ndarray,
    csize: tuple[int, int],
    *,
    mirrored: bool,
    query_size: tuple[int, int],
) -> _Evidence | None:
    """Count the matches that agree on one rotation, scale and translation."""
    dangle = (cpts[:, 3] - qangle) % 360
    dscale = np.log2(np.maximum(cpts[:, 2], 1e-3) / np.maximum(qsize, 1e-3))
    abin = np.floor(dangle / 30).astype(int) % 12
    sbin = np.clip(np.floor((dscale + 3) / 0.5).astype(int), 0, 11)
    hist = np.zeros((12, 12))
    np.add.at(hist, (abin, sbin), 1)
    # Each match also counts for the bins below it, so a peak on a bin edge is not split.
    soft = hist + np.roll(hist, 1, 0) + np.roll(hist, 1, 1)
    soft += np.roll(np.roll(hist, 1, 0), 1, 1)
    a0, s0 = np.unravel_index(soft.argmax(), soft.shape)
    inbin = ((abin == a0) | (abin == (a0 - 1) % 12)) & ((sbin == s0) | (sbin == s0 - 1))
    if inbin.sum() < 3:
        return None
    da = dangle[inbin]
    phi0 = da[0] + np.median((da - da[0] + 180) % 360 - 180)
    scale = float(2 ** np.median(dscale[inbin]))
    cw, ch = csize
    xq = qxy[inbin].copy()
    if mirrored:
        xq[:, 0] = -xq[:, 0]
    xc = cpts[inbin, :2]
    step = max(cw, ch) / 24
    nx, ny = max(1, round(cw / step)), max(1, round(ch / step))
    best, best_phi = 0.0, phi0
    # The angle convention of mirrored and inverted keypoints differs by a half turn
    # or a sign; trying the four readings is cheaper than getting each one right.
    for phi in (phi0, phi0 + 180, -phi0, -phi0 + 180):
        r = np.deg2rad(phi)
        m = scale * np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
        t = xc - xq @ m.T
        tx = np.floor((t[:, 0] % cw) / cw * nx).astype(int) % nx
        ty = np.floor((t[:, 1] % ch) / ch * ny).astype(int) % ny
        grid = np.zeros((ny, nx))
        np.add.at(grid, (ty, tx), 1)
        down = np.roll(grid, 1, 0)
        grid = grid + down + np.roll(grid, 1, 1) + np.roll(down, 1, 1)
        if grid.max() <= best:
            continue
        y0, x0 = np.unravel_index(grid.argmax(), grid.shape)
        agree = ((ty == y0) | (ty == (y0 - 1) % ny)) & (
            (tx == x0) | (tx == (x0 - 1) % nx)
        )
        # Votes count once per place: a repeated motif can send a dozen query
        # keypoints to one registered keypoint (or many registered keypoints to one),
        # and agreeing on one point says nothing about the geometry.
        places = min(_distinct(xc[agree]), _distinct(qxy[inbin][agree]))
        if min(grid.max(), places) > best:
            best, best_phi = float(min(grid.max(), places)), phi
    qw, qh = query_size
    coverage = min(1.0, (qw * qh * scale * scale) / max(cw * ch, 1))
    return _Evidence(
        best, rotation=float(best_phi % 360), scale=scale, coverage=coverage
    )


def _distinct(points: np.ndarray, cell: float = 2.0) -> int:
    """Count the points that lie at least about `cell` pixels apart."""
    return len({(int(x // cell), int(y // cell)) for x, y in points})


def describe(evidence: _Evidence) -> str | None:
    """Name what was done to the registered design, as far as the geometry tells."""
    keypoints = score_from_evidence(evidence.count)
    plain = score_from_correlation(evidence.correlation_counted)
    phase = score_from_phase(evidence.phase_counted)
    detail = score_from_detail(evidence.detail.value)
    if detail > max(keypoints, plain, phase):
        # Aligned at the file's own pixel scale: cut, recoloured or turned a little.
        aligned = evidence.detail
        turn = _describe_turn(0, aligned.inverted, evidence.colour_shift)
        parts = ["rotated"] if aligned.turn else []
        parts += [turn] if turn else []
        if aligned.coverage < CROPPED_COVERAGE:
            parts.append("cropped")
        return ", ".join(parts) or None
    if phase > max(keypoints, plain):
        return _describe_turn(
            evidence.phase_orientation, evidence.phase_inverted, evidence.colour_shift
        )
    if plain > keypoints:
        return _describe_turn(
            evidence.corr_orientation, evidence.corr_inverted, evidence.colour_shift
        )
    parts = []
    if evidence.mirrored:
        parts.append("mirrored")
    rot = evidence.rotation % 90
    if min(rot, 90 - rot) > 3 or round(evidence.rotation / 90) % 4:
        parts.append("rotated")
    # A hue turn or a new colourway moves the mean colour; an inverted print matches
    # only through the inverted descriptors.
    if evidence.inverted or evidence.colour_shift > 20:
        parts.append("recoloured")
    if evidence.coverage < CROPPED_COVERAGE:
        parts.append("cropped")
    if abs(np.log2(evidence.scale)) > 0.3:
        parts.append("rescaled")
    return ", ".join(parts) or None


def _describe_turn(orientation: int, inverted: bool, colour_shift: float) -> str | None:
    """Name the alteration a thumbnail correlation found (whole-image witnesses)."""
    parts = []
    if orientation >= 4:
        parts.append("mirrored")
    if orientation % 4:
        parts.append("rotated")
    if inverted or colour_shift > 20:
        parts.append("recoloured")
    return ", ".join(parts) or None


def match(
    query: Fingerprint,
    index: MatchIndex,
    features_for_keys: Callable[[Iterable[int]], dict[int, Fingerprint]],
    top: int = 5,
    shortlist: int = SHORTLIST,
    fetch: int | None = None,
    group_of: Callable[[int], int] | None = None,
    visible: Callable[[list[int]], set[int]] | None = None,
    embedded: int = EMBED_SHORTLIST,
    detail_only: int = EMBED_DETAIL_SHORTLIST,
    photo: int = 0,
    pixels: Callable[[int], np.ndarray | None] | None = None,
) -> list[Result]:
    """Return the best `top` verified candidates for the query, best first.

    `fetch` candidates by the first two codes (and as many more, in proportion, by the
    embedding) come from the index; `visible` may leave some out (designs the caller
    may not see), and the first `shortlist` left (and `embedded` of the embedding's)
    are verified; the embedding's next `detail_only` are verified only if their
    details line up. features_for_keys may also leave keys out. `group_of` maps a key
    to its design when a design has several images. `photo`: when nothing is a match,
    the embedding's best `photo` designs among the verified are aligned as a photo
    of the print (photo_alignment, quick: ~0.1-0.2 s each), a pass a match named
    "photographed". `pixels` gives a key's registered image at its file's own size
    (RGB): when nothing is a match and the query shows a heavy JPEG rounding,
    JPEG_CANDIDATES of the fetched designs and the embedding's next JPEG_REACH are
    tried as the file the query is a JPEG copy of (engine item 23), a pass a match
    named "recompressed".
    """
    k = max(fetch or shortlist, shortlist, top)
    by_embedding = embedded + detail_only if embedded else 0
    first, nearest_embedded = index.shortlists(
        query, k, -(-k * by_embedding // shortlist)
    )
    if not first and not nearest_embedded:
        return []
    wanted = [key for key, _d in first + nearest_embedded]
    allowed = visible(wanted) if visible else set(wanted)
    keys = [key for key, _d in first if key in allowed][: max(shortlist, top)]
    chosen = set(keys)
    embedded_keys = [key for key, _d in nearest_embedded if key in allowed]
    for key in embedded_keys[:embedded]:
        if key not in chosen:
            chosen.add(key)
            keys.append(key)
    extra = [key for key in embedded_keys[embedded:by_embedding] if key not in chosen]
    fps = features_for_keys(keys + extra)
    keys = [key for key in keys if key in fps]
    aligned = _aligned_in_detail(query, [key for key in extra if key in fps], fps)
    keys += [key for key, a in aligned.items() if a.value > DETAIL_AT_THRESHOLD]
    groups = [group_of(key) for key in keys] if group_of else list(range(len(keys)))
    evidence = verify_many(query, [fps[key] for key in keys], groups)
    cosines = embedding_similarities(query, [fps[key] for key in keys])
    leader, lead = embedding_lead(cosines, groups)
    sure = lead >= EMBED_SURE_MARGIN and cosines[leader] >= EMBED_SURE_COSINE
    hamming = {key: d for key, d in first}
    for key, d in nearest_embedded:
        hamming.setdefault(key, fp.VECTOR_BITS + d)
    scored = []
    for n, (key, ev) in enumerate(zip(keys, evidence, strict=True)):
        score = score_of(ev)
        if n == leader and (
            ev.count >= EMBED_PLACES or sure or _surface_backs(ev, cosines[n])
        ):
            score = max(score, EMBED_SCORE)
        is_match = score > MATCH_THRESHOLD
        result = Result(
            key,
            round(score, 4),
            is_match,
            describe(ev) if is_match else None,
            evidence=ev.count,
            correlation=round(ev.correlation, 4),
            embedding=round(float(cosines[n]), 4),
            phase=round(ev.phase, 2),
        )
        scored.append((-score, hamming[key], key, result))
    known = dict(zip(keys, cosines.tolist(), strict=True))
    if pixels is not None and not any(row[3].is_match for row in scored):
        code = query.jpeg() if query.jpeg is not None else None
        if code is not None and code.most >= jpegcopy.NATS:
            # How well each fetched design's detail lines up with the query's grid,
            # and the embedding's next JPEG_REACH designs' too (a JPEG copy's
            # original is often ranked lower by the embedding: row 78).
            # over-fetched as the first lists are, for the designs `visible` drops
            reach = (by_embedding + JPEG_REACH) * max(1, k // shortlist)
            more = _farther(query, index, reach, fps, visible, features_for_keys)
            reached = fps | more
            lined_up = aligned | _aligned_in_detail(query, list(more), reached)
            peaks = {key: max(a.z, a.lp_z) for key, a in lined_up.items()}
            peaks |= {
                key: max(ev.detail.z, ev.detail.lp_z)
                for key, ev in zip(keys, evidence, strict=True)
            }
            cosines_all = _every_cosine(query, reached, known)
            scored = _recompressed(code, scored, peaks, cosines_all, hamming, pixels)
    if photo > 0 and not any(row[3].is_match for row in scored):
        group = group_of or (lambda key: key)
        scored = _photographed(query, scored, fps, known, hamming, group, photo)
    scored.sort(key=lambda row: row[:3])
    return [row[3] for row in scored[:top]]


def _surface_backs(ev: "_Evidence", cosine: float) -> bool:
    """A thumbnail correlation or whitened peak backs the embedding's leader, where
    the leader's cosine is close too (EMBED_SURFACE_COSINE)."""
    return cosine >= EMBED_SURFACE_COSINE and (
        ev.correlation_counted >= EMBED_CORRELATION or ev.phase >= EMBED_PHASE
    )


def _photographed(
    query: Fingerprint,
    scored: list[tuple],
    fps: dict[int, Fingerprint],
    cosines: dict[int, float],
    hamming: dict[int, int],
    group_of: Callable[[int], int],
    designs: int,
) -> list[tuple]:
    """The rows of match() after a photo alignment of `designs` designs: a pass makes
    the row a match (or adds one, for a design only the detail list fetched).

    Which designs: of every fetched one (the verified and the detail-only list, whose
    originals a photo's shortlist holds 0.92-0.94 of), the embedding's PHOTO_POOL
    nearest, ranked by how far their embedding cosine, their best spectral
    agreement (_PhotoQuery) and the best peak of their half-resolution search
    (photo_starts) stand above the pool's mean, each in the pool's spreads: the
    three miss different originals (docs/benchmarks.md rows 58, 92). The first
    `designs` are aligned; a pass must stand out from the others (row 59)."""
    photo_query = _PhotoQuery.of(query)
    if photo_query is None:
        return scored
    by_key = _every_cosine(query, fps, cosines)
    pool = _nearest_first(by_key)[:PHOTO_POOL]
    agreements = _each_on_both_threads(
        lambda key: photo_query.agreement(fps[key]), pool
    )
    # The half-resolution stage of each one's map search (engine item 26): what a
    # map of the grid lines up is a third opinion, beside the embedding's and the
    # spectra's, of which designs are worth the whole search.
    starts = _each_on_both_threads(
        lambda n: photo_starts(query, fps[pool[n]], agreements[n]), range(len(pool))
    )
    spectral = np.array([a.max() for a in agreements])
    embedded = np.array([by_key[key] for key in pool])
    lined_up = np.array([s[0][0] if s else 0.0 for s in starts])
    rank = _spreads(spectral) + _spreads(embedded) + _spreads(lined_up)
    chosen: list[int] = []
    for n in np.argsort(-rank, kind="stable"):
        if len(chosen) >= designs:
            break
        if group_of(pool[n]) not in {group_of(pool[m]) for m in chosen}:
            chosen.append(int(n))
    alignments = _each_on_both_threads(
        lambda n: photo_alignment(
            query, fps[pool[n]], quick=True, agreement=agreements[n], starts=starts[n]
        ),
        chosen,
    )
    aligned = {pool[n]: a for n, a in zip(chosen, alignments, strict=True)}
    rows = {row[2]: row for row in scored}
    for key, alignment in aligned.items():
        # Lattices line up with other lattices under some map of the grid, as with
        # item 10's whitened peak: a pass counts only where its peak stands
        # PHOTO_STAND_OUT times over every other aligned design's (or the usual best
        # peak of an unrelated design, PHOTO_NULL_Z, when there is none). A rival
        # that passes itself counts too: on flat-colour prints unrelated designs
        # pass the detail rule on a photo, and one registered twice would flag
        # itself (docs/benchmarks.md row 94).
        rivals = [a.z for k, a in aligned.items() if k != key] + [PHOTO_NULL_Z]
        if (
            alignment.value <= DETAIL_AT_THRESHOLD
            or alignment.z < PHOTO_STAND_OUT * max(rivals)
        ):
            continue
        score = round(score_from_detail(alignment.value), 4)
        found = Result(
            key,
            score,
            True,
            "photographed",
            embedding=round(by_key[key], 4),
        )
        if key in rows:
            found = replace(
                rows[key][3], score=score, is_match=True, alteration="photographed"
            )
        rows[key] = (-score, hamming.get(key, 2 * fp.VECTOR_BITS), key, found)
    return list(rows.values())


def _every_cosine(
    query: Fingerprint, fps: dict[int, Fingerprint], cosines: dict[int, float]
) -> dict[int, float]:
    """Every fetched key's embedding cosine: match() has the verified designs'; the
    detail-only list's are made here."""
    rest = [key for key in fps if key not in cosines]
    made = embedding_similarities(query, [fps[k] for k in rest]).tolist()
    return cosines | dict(zip(rest, made, strict=True))


def _nearest_first(by_key: dict[int, float]) -> list[int]:
    keys = list(by_key)
    nearest = np.argsort(-np.array([by_key[key] for key in keys]), kind="stable")
    return [keys[n] for n in nearest]


def _each_on_both_threads(fn: Callable, items: Iterable) -> list:
    """[fn(item) for item in items], the items taken in turn by this thread and the
    background one (numpy, scipy and OpenCV leave the GIL in their loops)."""
    items = list(items)
    out: list = [None] * len(items)
    turn = itertools.count()  # next() on a count is atomic under the GIL

    def run() -> None:
        while (n := next(turn)) < len(items):
            out[n] = fn(items[n])

    background = fp.beside(run)
    run()
    background.result()
    return out


# Fetched designs tried as the file a JPEG copy was made from (engine item 23): each
# costs a decode of the registered file and ~10-30 ms (a 300 px tile), so not every
# one of the 75 fetched, and the JPEG_REACH more fetched for it alone (~2 ms each).
JPEG_CANDIDATES = 24
JPEG_REACH = 45


def _farther(
    query: Fingerprint,
    index: MatchIndex,
    reach: int,
    fps: dict[int, Fingerprint],
    visible: Callable[[list[int]], set[int]] | None,
    features_for_keys: Callable[[Iterable[int]], dict[int, Fingerprint]],
) -> dict[int, Fingerprint]:
    """The embedding's next JPEG_REACH designs beyond `fps` that the caller may see,
    among its `reach` nearest, with their fingerprints."""
    farther = [key for key, _d in index.shortlists(query, 0, reach)[1]]
    farther = [key for key in farther if key not in fps]
    allowed = visible(farther) if visible else set(farther)
    farther = [key for key in farther if key in allowed][:JPEG_REACH]
    more = features_for_keys(farther)
    return {key: more[key] for key in farther if key in more}


def _recompressed(
    code: jpegcopy.Query,
    scored: list[tuple],
    peaks: dict[int, float],
    cosines: dict[int, float],
    hamming: dict[int, int],
    pixels: Callable[[int], np.ndarray | None],
) -> list[tuple]:
    """The rows of match() after trying the query as a JPEG copy of the files of
    JPEG_CANDIDATES fetched designs (jpegcopy): each that passes is a match.

    Which: by turns, those whose details line up best with the query and those the
    embedding puts nearest. A copy of the file keeps its pixel grid, so its detail
    peaks at one shift even where the peak is too low to count; but a lattice's
    detail peaks against any lattice, and the embedding ranks others first (row 78).
    Every one is tried (two registered designs may hold the same pixels, a leather
    and its recolour), unless one explains nearly all the query says
    (jpegcopy.EXPLAINED)."""
    rows = {row[2]: row for row in scored}
    by_peak = sorted(peaks, key=lambda key: (-peaks[key], key))
    by_cosine = _nearest_first(cosines)
    pairs = zip(by_peak, by_cosine, strict=True)  # both order every fetched design
    order = list(dict.fromkeys(itertools.chain(*pairs)))
    for key in order[:JPEG_CANDIDATES]:
        rgb = pixels(key)
        found = code.evidence(rgb) if rgb is not None else None
        if found is None or found.nats < jpegcopy.NATS:
            continue
        score = round(jpegcopy.score(found.nats), 4)
        named = _named_copy(found)
        result = Result(key, score, True, named)
        if key in rows:
            result = replace(rows[key][3], score=score, is_match=True, alteration=named)
        rows[key] = (-score, hamming.get(key, 2 * fp.VECTOR_BITS), key, result)
        if found.explained >= jpegcopy.EXPLAINED:
            break
    return list(rows.values())


def _named_copy(found: jpegcopy.Evidence) -> str:
    return (
        "recompressed, cropped" if found.coverage < CROPPED_COVERAGE else "recompressed"
    )


def _spreads(values: np.ndarray) -> np.ndarray:
    """Each value's distance above the mean, in standard deviations."""
    return (values - values.mean()) / (values.std() + 1e-9)


def _aligned_in_detail(
    query: Fingerprint, keys: list[int], fps: dict[int, Fingerprint]
) -> dict[int, _Alignment]:
    """Return each key's detail alignment with the query."""
    if not keys:
        return {}
    work = _DetailWork(query, [fps[key] for key in keys], turn=False)
    return dict(zip(keys, work.run_on_both_threads(), strict=True))


def verify_closely(
    query: Fingerprint,
    candidate: Fingerprint,
    pixels: Callable[[], np.ndarray | None] | None = None,
) -> tuple[float, str | None]:
    """verify(), and where it finds no match, the query as a JPEG copy of the
    candidate's file (item 23; `pixels` gives the file's pixels) and then the photo's
    alignment (item 17): for a pair the caller already suspects (a complaint's
    relied-on design), 0.5-1.8 s."""
    score, alteration = verify(query, candidate)
    if score > MATCH_THRESHOLD:
        return score, alteration
    code = query.jpeg() if query.jpeg is not None and pixels is not None else None
    rgb = pixels() if code is not None else None
    if rgb is not None:
        found = code.evidence(rgb)
        if found.nats >= jpegcopy.NATS:
            return jpegcopy.score(found.nats), _named_copy(found)
    aligned = photo_alignment(query, candidate)
    if aligned.value > DETAIL_AT_THRESHOLD:
        return score_from_detail(aligned.value), "photographed"
    return score, None


class _PhotoSearch:
    """The map search of one photo against one candidate: the candidate's spectra at
    full and half resolution, and the whitened peak of the window any map of the grid
    samples from the query (from its fine grey at the finer steps, item 25)."""

    def __init__(self, query: Fingerprint, q: fp.Detail, c: fp.Detail):
        self.q = q
        shape = c.grey.shape
        self.shape = shape
        self.half = _PhotoTarget(
            cv2.resize(
                c.grey, (shape[1] // 2, shape[0] // 2), interpolation=cv2.INTER_AREA
            )
        )
        self.full = _PhotoTarget(c.grey)
        self.centre = np.array([q.grey.shape[1] / 2, q.grey.shape[0] / 2], np.float32)
        # The coarse maps are searched on the detail. Where the query has a fine grey
        # (engine item 24), the finer steps sample their windows from it (item 25: a
        # photo's repeat spans 128-197 detail px against the candidate's 256, so the
        # detail's window is an enlargement), and so does the map chosen.
        self.fine = _FineGrey.of(query, q)
        self.searching = (
            None
            if self.fine is None
            else _FineGrey(
                self.fine.grey, self.fine.from_detail, PHOTO_SEARCH_SUPERSAMPLE
            )
        )
        self.window_size = (shape[1] // 2, shape[0] // 2)

    def to_query(self, affine: np.ndarray) -> np.ndarray:
        """The window's px x is the query's affine @ x + offset: its centre on the
        query's."""
        m = np.eye(3)
        m[:2, :2] = affine
        m[:2, 2] = self.centre - affine @ (np.array(self.window_size) / 2)
        return m

    def peak(self, p: tuple, at_half: bool) -> float:
        if at_half:
            return self.half.peak(
                _photo_window(
                    self.q.grey, 2 * _photo_affine(p), self.centre, self.half.shape
                )
            )
        if self.searching is not None:
            return self.full.peak(
                self.searching.sampled(
                    self.to_query(_photo_affine(p)), (0.0, 0.0), self.window_size
                )
            )
        return self.full.peak(
            _photo_window(self.q.grey, _photo_affine(p), self.centre, self.shape)
        )


def _photo_details(
    query: Fingerprint, candidate: Fingerprint
) -> tuple[fp.Detail, fp.Detail] | None:
    q, c = query.detail(), candidate.detail()
    if q is None or c is None or min(c.grey.shape) < 2 * DETAIL_MIN_SIDE:
        return None
    return q, c


def photo_starts(
    query: Fingerprint, candidate: Fingerprint, agreement: np.ndarray | None = None
) -> list[tuple[float, tuple]]:
    """The quick photo search's half-resolution stage: of the PHOTO_QUICK_MAPS maps
    the two power spectra agree on best, the PHOTO_QUICK_STARTS best by the whitened
    peak, each refined by steps at half resolution; (peak, map) best first, [] where
    the two cannot be aligned. The first peak also ranks the candidate among others
    (engine item 26)."""
    details = _photo_details(query, candidate)
    if details is None:
        return []
    if agreement is None:
        photo_query = _PhotoQuery.of(query)
        agreement = photo_query.agreement(candidate) if photo_query else None
    if agreement is None:
        return []
    search = _PhotoSearch(query, *details)
    grid = _photo_grid()
    order = np.argsort(-agreement, kind="stable")
    starts = heapq.nlargest(
        PHOTO_QUICK_STARTS,
        ((search.peak(grid[i], True), grid[i]) for i in order[:PHOTO_QUICK_MAPS]),
        key=lambda t: t[0],
    )
    return sorted(
        (_descend(search.peak, z, p, _PHOTO_STEPS / 2, True, 3) for z, p in starts),
        key=lambda t: t[0],
        reverse=True,
    )


def photo_alignment(
    query: Fingerprint,
    candidate: Fingerprint,
    *,
    quick: bool = False,
    agreement: np.ndarray | None = None,
    starts: list[tuple[float, tuple]] | None = None,
) -> _Alignment:
    """Align half a tile around the query's centre with the candidate through the
    affine map that lines them up best (PHOTO_* grid), by the shipped detail rule.

    quick: only the PHOTO_QUICK_MAPS maps the two power spectra agree on best are
    scored, and the best few are refined by steps (PHOTO_QUICK_*): ~6x less work,
    a little less often right (docs/benchmarks.md row 57); `agreement`: the maps'
    spectral agreement, if already made (_PhotoQuery.agreement); `starts`: the
    half-resolution stage (photo_starts), if already made. Either way a map whose
    peak could count is refined to the photo's homography (item 19).
    """
    details = _photo_details(query, candidate)
    if details is None:
        return _Alignment()
    q, c = details
    search = _PhotoSearch(query, q, c)
    peak = search.peak
    steps = _PHOTO_STEPS

    if quick:
        if starts is None:
            starts = photo_starts(query, candidate, agreement)
        if not starts:
            return _Alignment()
        best = max(
            (
                _descend(peak, peak(p, False), p, steps / 4, False, 3)
                for _z, p in starts[:PHOTO_QUICK_FULL]
            ),
            key=lambda t: t[0],
        )
        best = _descend(peak, *best, steps / 8, False, 2)
        # A sixteenth of a grid step more: ECC's reach from the map is a fraction of
        # a step on faint textures (docs/benchmarks.md rows 82, 86).
        best = _descend(peak, *best, steps / 16, False, 2)
    else:
        coarse = heapq.nlargest(
            PHOTO_REFINE,
            ((peak(p, True), p) for p in _photo_grid()),
            key=lambda t: t[0],
        )
        best = max(
            (peak(p, False), p)
            for _z, start in coarse
            for p in _around(start, steps / 2)
        )
        best = max((peak(p, False), p) for p in _around(best[1], steps / 6))
    return _photo_finish(search, c, candidate, best[1])


def _photo_finish(
    search: "_PhotoSearch",
    c: fp.Detail,
    candidate: Fingerprint,
    best: tuple,
    gate: float = PHOTO_ECC_GATE,
) -> _Alignment:
    """photo_alignment's end from the search's best map: the half tile there aligned
    by the detail rule, refined to the photo's homography where its peak reaches
    `gate` (the lab finishes from other maps and gates through this too)."""
    affine = _photo_affine(best)
    # The window's map and the candidate's x - shift: together, the map the
    # homography starts from.
    chosen = search.to_query(affine)
    offset = chosen[:2, 2]
    q = search.q
    fine, shape = search.fine, search.shape
    if fine is None:
        window = _photo_window(q.grey, affine, search.centre, shape)
    else:
        window = fine.sampled(chosen, (0.0, 0.0), search.window_size)
    prepared = _prepare_query(window, 1.0, 1.0, shape)
    if prepared is None:
        return _Alignment()
    target = _CandidateDetail(c.grey)
    aligned = _align(prepared, target)
    if aligned.z < gate:
        return aligned
    work = (candidate.width, candidate.height)
    refined = _homography_alignment(
        q.grey, target, affine, offset, aligned.shift, fine, work
    )
    return max(aligned, refined, key=lambda a: (a.value, a.z))


_PHOTO_STEPS = np.array(
    [PHOTO_SCALE_STEP, np.radians(PHOTO_TURN_STEP), PHOTO_SKEW_STEP, PHOTO_SKEW_STEP]
)


class _FineGrey:
    """A query's grey at up to fp.PHOTO_SIDE px (engine item 24), and the map from its
    detail's px to its own; `most`: the most samples a side one frame px is the mean
    of (1: a plain resampling, as of the detail itself)."""

    def __init__(
        self, grey: np.ndarray, from_detail: np.ndarray, most: int = PHOTO_SUPERSAMPLE
    ):
        self.grey = grey
        self.from_detail = from_detail
        self.most = most

    @staticmethod
    def of(query: Fingerprint, detail: fp.Detail) -> "_FineGrey | None":
        grey = query.photo() if query.photo is not None else None
        if grey is None:
            return None
        rx = grey.shape[1] / detail.grey.shape[1]
        ry = grey.shape[0] / detail.grey.shape[0]
        if min(rx, ry) < PHOTO_FINE:
            return None
        return _FineGrey(grey, _rescaled(rx, ry))

    def sampled(
        self,
        back: np.ndarray,
        origin: tuple[float, float],
        size: tuple[int, int],
        border: int = cv2.BORDER_REFLECT,
        grey: np.ndarray | None = None,
    ) -> np.ndarray:
        """Frame px origin + (x, y), x < size[0], y < size[1], through `back` (frame px
        -> detail px, 3 x 3) from the grey (or from `grey`, an image of its size): each
        the mean of k x k samples, k the fine px one frame px spans (at most `most`),
        so that nothing finer than a frame px folds into it."""
        grey = self.grey if grey is None else grey
        to_fine = self.from_detail @ back
        w, h = size
        centre = np.array([origin[0] + w / 2, origin[1] + h / 2])
        ends = _project(to_fine, np.stack([centre, centre + (1, 0), centre + (0, 1)]))
        span = max(np.linalg.norm(ends[1] - ends[0]), np.linalg.norm(ends[2] - ends[0]))
        k = int(np.clip(np.ceil(span - 0.05), 1, self.most))
        # Sample px (u, v) of the k-times grid is frame px origin + (u + 0.5) / k - 0.5;
        # OpenCV maps every sample through the one matrix (no grid of points in numpy).
        supersample = np.array(
            [
                [1 / k, 0, origin[0] + 0.5 / k - 0.5],
                [0, 1 / k, origin[1] + 0.5 / k - 0.5],
                [0, 0, 1.0],
            ]
        )
        out = cv2.warpPerspective(
            grey,
            to_fine @ supersample,
            (w * k, h * k),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=border,
        )
        if k > 1:
            out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
        return out


def _rescaled(rx: float, ry: float) -> np.ndarray:
    """px of a grid -> px of the same picture rx x ry as fine, pixel centres kept (a
    px (x + 0.5) / w of the way across is the other's)."""
    return np.array([[rx, 0, (rx - 1) / 2], [0, ry, (ry - 1) / 2], [0, 0, 1.0]])


def _homography_alignment(
    grey: np.ndarray,
    candidate: _CandidateDetail,
    affine: np.ndarray,
    offset: np.ndarray,
    shift: tuple[int, int],
    fine: "_FineGrey | None" = None,
    work: tuple[int, int] | None = None,
) -> _Alignment:
    """From a map of candidate px to query px (affine @ (x + shift) + offset), the
    homography ECC finds between the whole query grey and the candidate tiled 5 x 5;
    then the largest part of one tile the query covers, rectified, aligned as usual
    (sampled from the `fine` grey where there is one)."""
    h, w = candidate.grey.shape
    size = np.array([w, h], float)
    # Shift wrapped to within half a tile, the tile in the middle of the 5 x 5: the
    # photo (at most about two tiles across) then maps inside the tiling.
    d = (np.array([shift[1], shift[0]], float) + size / 2) % size - size / 2
    inverse = np.linalg.inv(affine)
    start = np.eye(3, dtype=np.float32)
    start[:2, :2] = inverse
    start[:2, 2] = inverse @ (-affine @ d - offset) + 2 * size
    criteria = (
        cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT,
        PHOTO_ECC_ITERATIONS,
        1e-5,
    )
    try:
        _, homography = cv2.findTransformECC(
            grey.astype(np.float32),
            np.tile(candidate.grey, (5, 5)).astype(np.float32),
            start,
            cv2.MOTION_HOMOGRAPHY,
            criteria,
            None,
            PHOTO_ECC_SMOOTHING,
        )
    except cv2.error:  # ECC gave up: the two do not line up this way
        return _Alignment()
    homography = homography.astype(float)
    qh, qw = grey.shape
    if not _plausible(homography, start.astype(float), qw, qh):
        return _Alignment()
    back = np.linalg.inv(homography)
    middle = _project(homography, np.array([qw / 2, qh / 2]))
    signs = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], float)
    # The largest box of the tile's shape, shrunk in steps, whose corners the photo holds.
    for f in 0.93 ** np.arange(20):
        seen = _project(back, middle + signs * size * f / 2)
        if (
            (seen >= 1).all()
            and (seen[:, 0] <= qw - 2).all()
            and (seen[:, 1] <= qh - 2).all()
        ):
            break
    else:
        return _Alignment()
    bw, bh = int(w * f), int(h * f)
    # Without a fine grey, the detail itself, resampled plainly (most=1).
    sampler = fine or _FineGrey(grey, np.eye(3), most=1)
    rectified = sampler.sampled(
        back, (middle[0] - bw / 2, middle[1] - bh / 2), (bw, bh)
    )
    prepared = _prepare_query(rectified, 1.0, 1.0, (h, w))
    one = _Alignment() if prepared is None else _align(prepared, candidate)
    folded = _folded(grey, back, w, h, fine, work)
    averaged = None if folded is None else _prepare_query(folded, 1.0, 1.0, (h, w))
    if averaged is None:
        return one
    return max(one, _align(averaged, candidate), key=lambda a: (a.value, a.z))


def _folded(
    grey: np.ndarray,
    back: np.ndarray,
    w: int,
    h: int,
    fine: "_FineGrey | None" = None,
    work: tuple[int, int] | None = None,
) -> np.ndarray | None:
    """Every repeat of the w x h tile the photo shows, sampled back through `back`
    (the 5 x 5 tiling's px to the photo's) and averaged into one tile; None where
    the repeats cover less than PHOTO_FOLD_COVERAGE of it between them. From the
    `fine` grey where there is one (else the detail `grey`, resampled plainly); a px
    at the photo's edge counts for the share of its samples inside. Where there is a
    fine grey, the fold is made at the candidate's working grid `work` where that is
    finer than its detail, then reduced to the detail as the registered one was
    (docs/benchmarks.md row 83)."""
    sampler = fine or _FineGrey(grey.astype(np.float32), np.eye(3), most=1)
    out_w, out_h = w, h
    if fine is not None and work is not None and work[0] > w:
        # The registered detail is its working image reduced (INTER_AREA); the fold
        # is made at that working grid and reduced alike.
        back = back @ _rescaled(w / work[0], h / work[1])
        w, h = work
    total = np.zeros((h, w), np.float32)
    count = np.zeros((h, w), np.float32)
    ones = np.ones_like(sampler.grey)
    qh, qw = grey.shape
    for row in range(5):
        for col in range(5):
            if _beside(back, col * w, row * h, w, h, qw, qh):
                continue
            at = (col * w, row * h)
            inside = sampler.sampled(back, at, (w, h), cv2.BORDER_CONSTANT, ones)
            if inside.mean() < PHOTO_FOLD_SLIVER:
                continue
            # zero outside, so the mean of the samples is the sum inside
            total += sampler.sampled(back, at, (w, h), cv2.BORDER_CONSTANT)
            count += inside
    if (count > 0).mean() < PHOTO_FOLD_COVERAGE:
        return None
    mean = total.sum() / max(float(count.sum()), 1.0)
    out = np.where(count > 0, total / np.maximum(count, 1e-6), mean).astype(np.float32)
    if (w, h) != (out_w, out_h):
        out = cv2.resize(out, (out_w, out_h), interpolation=cv2.INTER_AREA)
    return out


def _beside(
    back: np.ndarray, x: float, y: float, w: float, h: float, qw: int, qh: int
) -> bool:
    """Whether the box (x, y, w, h) maps through `back` wholly beside a qw x qh image
    (its corners on the near side of the horizon, their box clear of the image's):
    most of the 5 x 5 tiling's repeats are, and need not be sampled."""
    corners = np.array([[x, y, 1], [x + w, y, 1], [x + w, y + h, 1], [x, y + h, 1]])
    mapped = corners @ back.T
    if (mapped[:, 2] <= 0).any():
        return False
    px, py = mapped[:, 0] / mapped[:, 2], mapped[:, 1] / mapped[:, 2]
    return bool(px.max() < -1 or px.min() > qw or py.max() < -1 or py.min() > qh)


def _project(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Points (..., 2) through a 3 x 3 homography."""
    mapped = points @ homography[:2, :2].T + homography[:2, 2]
    return mapped / (points @ homography[2, :2] + homography[2, 2])[..., None]


def _plausible(homography: np.ndarray, start: np.ndarray, qw: int, qh: int) -> bool:
    """Whether ECC's homography is still a view of the photo near where it started:
    the photo's corners on the near side of its horizon, and its scale at the centre
    within PHOTO_ECC_SCALE of the start's (a collapsed or exploded map would rectify
    a few pixels, or the tiling's edge)."""
    corners = np.array([[0, 0, 1], [qw, 0, 1], [qw, qh, 1], [0, qh, 1]], float)
    if (corners @ homography[2] <= 0).any():
        return False

    def scale(m: np.ndarray) -> float:
        x, y = qw / 2, qh / 2
        d = m[2] @ [x, y, 1.0]
        jacobian = (m[:2, :2] - np.outer(m[:2] @ [x, y, 1.0], m[2, :2]) / d) / d
        return abs(float(np.linalg.det(jacobian)))

    ratio = scale(homography) / scale(start)
    return 1 / PHOTO_ECC_SCALE <= ratio <= PHOTO_ECC_SCALE


def _descend(
    peak: Callable[[tuple, bool], float],
    z: float,
    p: tuple,
    step: np.ndarray,
    at_half: bool,
    rounds: int,
) -> tuple[float, tuple]:
    """Step each parameter either way while the peak grows (at most `rounds` sweeps)."""
    for _ in range(rounds):
        moved = False
        for d in range(4):
            for sign in (-1.0, 1.0):
                trial = list(p)
                trial[d] += sign * float(step[d])
                zt = peak(tuple(trial), at_half)
                if zt > z:
                    z, p, moved = zt, tuple(trial), True
        if not moved:
            break
    return z, p


class _PhotoTarget:
    """A candidate grey whose whitened peak with many windows is wanted: its
    spectrum's conjugate and magnitude made once."""

    def __init__(self, grey: np.ndarray):
        self.shape = grey.shape
        spectrum = scipy.fft.rfft2(grey)
        self.conj = np.conj(spectrum)
        self.magnitude = np.abs(spectrum)

    def peak(self, window: np.ndarray) -> float:
        """The whitened correlation's peak over its RMS, the window tapered at the
        origin (as _whitened_cross, with the magnitude of the product as the product
        of the two magnitudes, the candidate's made once)."""
        gh, gw = window.shape
        pad = np.zeros(self.shape, np.float32)
        pad[:gh, :gw] = (window - window.mean()) * _taper_2d(gh, gw)
        spectrum = scipy.fft.rfft2(pad)
        magnitude = np.abs(spectrum) * self.magnitude
        cross = spectrum * self.conj
        cross /= magnitude + DETAIL_EPS * magnitude.mean() + 1e-9
        cross[0, 0] = 0
        return _peak(scipy.fft.irfft2(cross, s=self.shape))[0]


@lru_cache(maxsize=64)
def _taper_2d(h: int, w: int) -> np.ndarray:
    return np.outer(_taper(h), _taper(w))


class _PhotoQuery:
    """A photo's power spectrum around its centre, and where each map of the photo
    grid sends its frequencies, made once per query: a candidate's agreement is then
    one resampling of its own power spectrum (~15 ms)."""

    def __init__(self, grey: np.ndarray):
        h, w = grey.shape
        n = min(PHOTO_SPECTRUM_SIDE, h, w)
        y0, x0 = (h - n) // 2, (w - n) // 2
        patch = grey[y0 : y0 + n, x0 : x0 + n]
        hann = np.hanning(n).astype(np.float32)
        windowed = (patch - patch.mean()) * np.outer(hann, hann)
        power = np.abs(np.fft.fftshift(scipy.fft.fft2(windowed))) ** 2
        f = (np.arange(n) - n // 2) / n
        fx, fy = np.meshgrid(f, f)
        values = _flat_log_power(power, fx, fy)
        radius = np.hypot(fx, fy)
        keep = (radius >= PHOTO_SPECTRUM_BAND[0]) & (radius <= PHOTO_SPECTRUM_BAND[1])
        keep &= (fy > 0) | ((fy == 0) & (fx > 0))  # a power spectrum is symmetric
        kx = fx[keep][::PHOTO_SPECTRUM_EVERY].astype(np.float32)[None]
        ky = fy[keep][::PHOTO_SPECTRUM_EVERY].astype(np.float32)[None]
        q = values[keep][::PHOTO_SPECTRUM_EVERY]
        q = (q - q.mean()).astype(np.float32)
        self.values = q / (np.linalg.norm(q) + 1e-9)
        self.side = n
        # A map A (tile px -> photo px) sends the tile's frequency A^T k to the
        # photo's k: in cycles a tile px, for every map and sample.
        a = _photo_grid_affines()
        self.u = a[:, 0, 0, None] * kx + a[:, 1, 0, None] * ky
        self.v = a[:, 0, 1, None] * kx + a[:, 1, 1, None] * ky

    @staticmethod
    def of(query: Fingerprint) -> "_PhotoQuery | None":
        detail = query.detail()
        return None if detail is None else _PhotoQuery(detail.grey)

    def agreement(self, candidate: Fingerprint) -> np.ndarray:
        """For every map of the photo grid, how well the candidate tile's power
        spectrum carried through it matches the photo's (Pearson, log power with
        the radial mean taken out, so the common fall-off with frequency does not
        decide); zeros for a candidate without a detail."""
        detail = candidate.detail()
        if detail is None:
            return np.zeros(len(self.u), np.float32)
        tile = detail.grey
        th, tw = tile.shape
        power = np.abs(np.fft.fftshift(scipy.fft.fft2(tile - tile.mean()))) ** 2
        # The photo's window blurs its spectrum: blur the tile's alike (at a
        # typical scale of the grid).
        power = scipy.ndimage.gaussian_filter(
            power.astype(np.float32), max(th, tw) * 0.7 / self.side, mode="wrap"
        )
        tfx, tfy = np.meshgrid(
            (np.arange(tw) - tw // 2) / tw, (np.arange(th) - th // 2) / th
        )
        values = _flat_log_power(power, tfx, tfy).astype(np.float32)
        mx = self.u * np.float32(tw)
        mx += np.float32(tw // 2)
        my = self.v * np.float32(th)
        my += np.float32(th // 2)
        sampled = cv2.remap(
            values, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP
        )
        sampled -= sampled.mean(axis=1, keepdims=True)
        return (sampled @ self.values) / (np.linalg.norm(sampled, axis=1) + 1e-9)


def _flat_log_power(power: np.ndarray, fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """log power minus its mean over rings of frequency (a flat grey: zeros)."""
    log = np.log(power + 1e-3 * power.mean() + 1e-12)
    rings = np.minimum((np.hypot(fx, fy) * 64).astype(int), 40)
    sums = np.bincount(rings.ravel(), log.ravel(), 41)
    counts = np.bincount(rings.ravel(), None, 41)
    return log - (sums / np.maximum(counts, 1))[rings]


@lru_cache(maxsize=1)
def _photo_grid_affines() -> np.ndarray:
    return np.stack([_photo_affine(p) for p in _photo_grid()]).astype(np.float32)


@lru_cache(maxsize=1)
def _photo_grid() -> list[tuple[float, float, float, float]]:
    """(log scale, turn in radians, anisotropy, shear) of the coarse grid."""
    scales = np.arange(
        np.log(PHOTO_SCALES[0]), np.log(PHOTO_SCALES[1]) + 1e-9, PHOTO_SCALE_STEP
    )
    turns = np.radians(np.arange(-PHOTO_TURN, PHOTO_TURN + 1e-9, PHOTO_TURN_STEP))
    skews = np.arange(-PHOTO_SKEW, PHOTO_SKEW + 1e-9, PHOTO_SKEW_STEP)
    return [
        (float(s), float(t), float(a), float(h))
        for s in scales
        for t in turns
        for a in skews
        for h in skews
    ]


def _around(p: tuple, step: np.ndarray) -> list[tuple]:
    """p and its neighbours one step either way in every parameter (81 points)."""
    offsets = itertools.product((-1, 0, 1), repeat=4)
    return [tuple(float(x) for x in np.add(p, np.multiply(o, step))) for o in offsets]


def _photo_affine(p: tuple) -> np.ndarray:
    """Candidate detail px -> query detail px: scale, turn, then anisotropy and shear."""
    log_scale, turn, anisotropy, shear = p
    c, s = np.cos(turn), np.sin(turn)
    skew = np.array([[np.exp(anisotropy), shear], [0.0, np.exp(-anisotropy)]])
    return np.exp(log_scale) * np.array([[c, -s], [s, c]]) @ skew


def _photo_window(
    grey: np.ndarray, affine: np.ndarray, centre: np.ndarray, tile: tuple[int, int]
) -> np.ndarray:
    """Half a tile of the candidate's frame, sampled from the query around its centre."""
    h, w = tile[0] // 2, tile[1] // 2
    m = np.zeros((2, 3), np.float32)
    m[:, :2] = affine
    m[:, 2] = centre - affine @ np.array([w / 2, h / 2])
    return cv2.warpAffine(
        grey,
        m,
        (w, h),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REFLECT,
    )


def _whitened_cross(query: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """The cross-power spectrum of two rfft2 spectra, every frequency's magnitude set
    to about 1 (DETAIL_EPS keeps the empty ones small), the mean left out."""
    cross = query * np.conj(candidate)
    magnitude = np.abs(cross)
    cross /= magnitude + DETAIL_EPS * magnitude.mean() + 1e-9
    cross[0, 0] = 0
    return cross


def embedding_similarities(
    query: Fingerprint, candidates: list[Fingerprint]
) -> np.ndarray:
    """Cosine of the query's embedding and each candidate's, best over its scales."""
    q = query.embeddings()
    out = np.zeros(len(candidates), np.float32)
    if not len(q):
        return out
    for n, cand in enumerate(candidates):
        e = cand.embeddings()
        if len(e):
            out[n] = float((e @ q.T).max())
    return out


def embedding_lead(cosines: np.ndarray, groups: list[int]) -> tuple[int | None, float]:
    """Return (the candidate the embedding puts clearly first, its margin), if any.

    Clearly: EMBED_MARGIN (cosine) ahead of the best candidate of any other design
    (images of one design do not compete with each other). (None, 0.0) if none is.
    """
    if not len(cosines):
        return None, 0.0
    best = int(np.argmax(cosines))
    others = [c for c, g in zip(cosines, groups, strict=True) if g != groups[best]]
    margin = float(cosines[best] - max(others, default=0.0))
    return (best, margin) if margin >= EMBED_MARGIN else (None, 0.0)
