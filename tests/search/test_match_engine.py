"""The image-match engine on its own: fingerprints, index, verification (no database)."""

import io
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from search import engine
from search import fingerprint as fp
from search import match_suite as suite

PATTERNS = Path(__file__).resolve().parent.parent / "data" / "patterns"


def rgb(name: str) -> np.ndarray:
    with Image.open(PATTERNS / name) as image:
        return np.asarray(image.convert("RGB"))


def compute(array: np.ndarray) -> fp.Fingerprint:
    return fp.compute(Image.fromarray(np.ascontiguousarray(array)))


@pytest.fixture(scope="module")
def registry():
    names = sorted(p.name for p in PATTERNS.glob("*.png"))
    fps = {key: compute(rgb(name)) for key, name in enumerate(names)}
    index = engine.MatchIndex()
    for key, f in fps.items():
        index.add(key, f.vector)
    return names, fps, index


def test_fingerprint_survives_bytes_round_trip():
    f = compute(rgb("hero-leaf.png"))
    again = fp.Fingerprint.from_bytes(f.to_bytes())
    assert again == f
    assert len(f.vector) == fp.VECTOR_BITS // 8
    points, descriptors = again.keypoints()
    assert 50 < len(points) <= fp.STORED_KEYPOINTS
    assert descriptors.shape == (len(points), 128)
    assert again.detail().grey.shape == f.detail().grey.shape
    assert max(f.detail().grey.shape) <= fp.DETAIL


def test_load_image_decodes_a_large_jpeg_at_reduced_size():
    data = suite.jpeg_bytes(suite.synthetic_pattern(3, 2000))
    image = fp.load_image(io.BytesIO(data))
    assert image.mode == "RGB"
    # draft() decoded at 1/4 scale: nothing close to 2000 px was allocated.
    assert fp.WORK_SIDE <= max(image.size) < 1000
    # ... and the detail's scale is still in pixels of the file.
    detail = fp.compute_query(image).detail()
    assert detail.fx == pytest.approx(fp.DETAIL / 2000, rel=0.01)


def test_index_add_remove_and_nearest_first():
    index = engine.MatchIndex()
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 256, (100, engine.CODE_BYTES), dtype=np.uint8)
    index.load(np.arange(60), codes[:60])
    index.add_many(np.arange(60, 100), codes[60:])
    query = fp.Fingerprint(codes[42].tobytes(), b"", 1, 1)
    assert index.candidates(query, 3)[0] == (42, 0)
    index.remove(42)
    assert 42 not in [k for k, _d in index.candidates(query, 100)]
    assert len(index) == 99
    index.add(42, codes[42].tobytes())
    assert index.candidates(query, 1) == [(42, 0)]


def test_mirrored_recoloured_cropped_copy_comes_first_and_is_flagged(registry):
    names, fps, index = registry
    original = names.index("hero-leaf.png")
    recoloured = suite.duotone(rgb("hero-leaf.png"), np.random.default_rng(3))
    copy = suite.crop(recoloured[:, ::-1], 0.7)
    results = engine.match(compute(copy), index, lambda keys: {k: fps[k] for k in keys})
    assert results[0].key == original
    assert results[0].is_match
    assert 0.5 < results[0].score <= 1
    assert results[0].alteration == "mirrored, recoloured, cropped"
    assert not any(r.is_match for r in results[1:])


def test_rotated_market_photo_of_a_registered_design_is_found(registry):
    names, fps, index = registry
    original = names.index("hero-leaf.png")
    rng = np.random.default_rng(7)
    photo = suite.market_photo(np.rot90(rgb("hero-leaf.png")), rng)
    results = engine.match(
        compute(photo), index, lambda keys: {k: fps[k] for k in keys}
    )
    assert results[0].key == original and results[0].is_match


def test_unrelated_design_is_not_flagged(registry):
    _names, fps, index = registry
    unrelated = suite.synthetic_pattern(11, 400, repeat=100)
    results = engine.match(
        compute(unrelated), index, lambda keys: {k: fps[k] for k in keys}
    )
    assert results and not any(r.is_match for r in results)


def test_verify_names_no_alteration_for_an_identical_copy(registry):
    names, fps, _index = registry
    key = names.index("hero-churchOnSunday.png")
    score, alteration = engine.verify(compute(rgb("hero-churchOnSunday.png")), fps[key])
    assert score > engine.MATCH_THRESHOLD
    assert alteration is None


def test_a_correlation_that_does_not_stand_out_counts_at_most_the_threshold():
    # Faint textures and smooth gradients correlate with several registered designs:
    # a tie with the runner-up is no evidence of copying, a clear lead or a near-
    # perfect correlation is.
    tied = engine._Evidence(0.0, correlation=0.9, corr_runner_up=0.85)
    ahead = engine._Evidence(0.0, correlation=0.9, corr_runner_up=0.7)
    perfect = engine._Evidence(0.0, correlation=0.97, corr_runner_up=0.96)
    assert engine.score_of(tied) <= engine.MATCH_THRESHOLD
    assert engine.score_of(ahead) > engine.MATCH_THRESHOLD
    assert engine.score_of(perfect) > engine.MATCH_THRESHOLD


def test_a_broad_correlation_counts_only_when_high():
    # Stripes and streaks line up with any image that has lines the same way: a
    # peak barely above its surface's RMS needs CORRELATION_BROAD, a sharp one not.
    lead = 0.3  # far ahead of every other shortlisted design
    broad = engine.CORRELATION_SHARP - 0.5
    sharp = engine.CORRELATION_SHARP + 0.5

    def score(c: float, z: float) -> float:
        e = engine._Evidence(0.0, correlation=c, corr_runner_up=c - lead, corr_z=z)
        return engine.score_of(e)

    low = (engine.CORRELATION_AT_THRESHOLD + engine.CORRELATION_BROAD) / 2
    assert score(low, broad) <= engine.MATCH_THRESHOLD
    assert score(low, sharp) > engine.MATCH_THRESHOLD
    assert score(engine.CORRELATION_BROAD + 0.01, broad) > engine.MATCH_THRESHOLD


def test_the_correlation_surface_of_stripes_is_broad_and_of_grain_sharp():
    # Plain stripes correlate as a sinusoid over the shifts: peak/RMS is sqrt(2). A
    # grain correlates with itself at one shift only.
    y = np.arange(fp.THUMB)[:, None]
    stripes = np.sin(2 * np.pi * 4 * y / fp.THUMB) * np.ones((1, fp.THUMB))
    grain = np.random.default_rng(3).standard_normal((fp.THUMB, fp.THUMB))

    def with_thumb(t: np.ndarray) -> fp.Fingerprint:
        t = ((t - t.mean()) / t.std()).astype(np.float32)
        none = (np.zeros((0, 4), np.float32), np.zeros((0, 128), np.uint8))
        features = fp.pack_features(*none, thumb=t)
        return fp.Fingerprint(bytes(engine.CODE_BYTES), features, 64, 64)

    (c_stripes,) = engine._correlations(with_thumb(stripes), [with_thumb(stripes)])
    (c_grain,) = engine._correlations(with_thumb(grain), [with_thumb(grain)])
    assert c_stripes.plain == pytest.approx(1, abs=0.01)
    assert c_stripes.plain_z == pytest.approx(np.sqrt(2), abs=0.05)
    assert c_grain.plain == pytest.approx(1, abs=0.01)
    assert c_grain.plain_z > 30


def faint_texture(seed: int, side: int = 400, contrast: float = 3.0) -> np.ndarray:
    """A seamless grain of a few grey levels, like the SubtlePatterns textures."""
    rng = np.random.default_rng(seed)
    fy, fx = np.fft.fftfreq(side)[:, None], np.fft.fftfreq(side)[None]
    grey = np.full((side, side), 200.0)
    for level, sigma in ((contrast, 0.35), (0.3, 0.05)):
        spectrum = np.fft.fft2(rng.normal(size=(side, side)))
        spectrum *= np.exp(-(fx**2 + fy**2) / (2 * sigma**2))
        band = np.real(np.fft.ifft2(spectrum))
        grey += level * (band - band.mean()) / band.std()
    return (
        np.stack([grey, grey * 0.97, grey * 0.93], axis=-1)
        .clip(0, 255)
        .astype(np.uint8)
    )


def query_fingerprint(array: np.ndarray) -> fp.Fingerprint:
    return fp.compute_query(Image.fromarray(np.ascontiguousarray(array)))


def test_a_heavy_jpeg_of_a_faint_texture_is_found_by_the_whitened_correlation():
    # JPEG 30 leaves a faint grain only its 8x8-block means: no keypoints agree and
    # the plain thumbnail correlation stays under its threshold, but the whitened
    # one still peaks where the original lines up, far above any other design.
    registered = [compute(faint_texture(seed)) for seed in (1, 2, 3)]
    copy = query_fingerprint(
        suite._jpeg(np.ascontiguousarray(faint_texture(1)[:, ::-1]), 30)
    )
    evidence = engine.verify_many(copy, registered)
    copied = evidence[0]
    assert engine.score_from_evidence(copied.count) <= engine.MATCH_THRESHOLD
    assert (
        engine.score_from_correlation(copied.correlation_counted)
        <= engine.MATCH_THRESHOLD
    )
    assert copied.phase > 1.5 * engine.PHASE_AT_THRESHOLD
    assert engine.score_of(copied) > engine.MATCH_THRESHOLD
    assert engine.describe(copied) == "mirrored"
    assert all(engine.score_of(ev) <= engine.MATCH_THRESHOLD for ev in evidence[1:])

    unrelated = query_fingerprint(suite._jpeg(faint_texture(9), 30))
    for ev in engine.verify_many(unrelated, registered):
        assert ev.phase < engine.PHASE_AT_THRESHOLD
        assert engine.score_of(ev) <= engine.MATCH_THRESHOLD


def test_a_cropped_heavy_jpeg_of_a_faint_texture_is_found_at_the_files_pixel_scale():
    # Crop 70% + JPEG 30 of a grain of a few grey levels: the thumbnail is at another
    # scale and its phase lost, no keypoints agree; the detail grey, brought to the
    # registered file's pixel scale (800 px worked at 400, the crop at 560 -> 400),
    # still lines up at one shift and explains the query.
    registered = [compute(faint_texture(seed, 800, 5.0)) for seed in (1, 2, 3)]
    original = faint_texture(1, 800, 5.0)
    copy = query_fingerprint(
        suite._jpeg(np.ascontiguousarray(suite.crop(original, 0.7)), 30)
    )
    detail = copy.detail()
    assert detail.fx == pytest.approx(fp.DETAIL / 560, rel=0.01)
    evidence = engine.verify_many(copy, registered)
    copied = evidence[0]
    assert engine.score_from_evidence(copied.count) <= engine.MATCH_THRESHOLD
    assert engine.score_from_phase(copied.phase_counted) <= engine.MATCH_THRESHOLD
    assert copied.detail.z >= engine.DETAIL_Z
    assert copied.detail.ncc > engine.DETAIL_AT_THRESHOLD
    assert copied.detail.coverage == pytest.approx(0.49, abs=0.02)
    assert engine.score_of(copied) > engine.MATCH_THRESHOLD
    assert engine.describe(copied) == "cropped"
    assert all(engine.score_of(ev) <= engine.MATCH_THRESHOLD for ev in evidence[1:])
    assert all(ev.detail.value == 0.0 for ev in evidence[1:])


def test_a_heavy_jpeg_the_codes_miss_is_found_by_the_embeddings_detail_shortlist():
    # The candidate codes lose a heavy JPEG of a faint texture: its original is far
    # by both first codes and only 20th by the embedding's, past the 15 verified in
    # full. The embedding's next EMBED_DETAIL_SHORTLIST are aligned by their details
    # alone, and the original's lines up, so it is verified and comes first.
    query = query_fingerprint(
        suite._jpeg(np.ascontiguousarray(suite.crop(faint_texture(1), 0.7)), 30)
    )
    q = np.frombuffer(query.vector, np.uint8)
    near, far = q[:64], np.bitwise_not(q[:64])
    others = [compute(faint_texture(seed)) for seed in (2, 3, 4)]
    fps = {0: compute(faint_texture(1))}
    index = engine.MatchIndex()

    def code(first: np.ndarray, flipped_embedding_bits: int) -> bytes:
        e = np.unpackbits(q[64:])
        e[:flipped_embedding_bits] ^= 1
        return np.concatenate([first, np.tile(np.packbits(e), 3)]).tobytes()

    index.add(0, code(far, 20))
    for key in range(1, 50):
        fps[key] = others[key % 3]
        # 19 designs nearer by the embedding than the original, 30 farther.
        index.add(key, code(near, key if key < 20 else 20 + key))

    def found(**kwargs) -> list[engine.Result]:
        return engine.match(
            query, index, lambda keys: {k: fps[k] for k in keys}, **kwargs
        )

    results = found()
    assert results[0].key == 0 and results[0].is_match
    assert all(not r.is_match for r in results[1:])
    assert 0 not in [r.key for r in found(detail_only=0)]
    # Only the detail brings it in: the lists verified in full do not hold it.
    first, embedded = index.shortlists(query, engine.SHORTLIST, engine.EMBED_SHORTLIST)
    assert 0 not in [key for key, _d in first + embedded]


def test_a_heavy_jpeg_of_several_repeats_is_cut_to_one_tile_and_found_whole():
    # The copier printed the repeat 2x2 and the photo of the file is JPEG 30: at the
    # registered file's pixel scale the query is larger than the tile, so its centre
    # tile's worth is aligned; it covers the whole tile, so nothing is "cropped".
    registered = [compute(faint_texture(seed, 300, 5.0)) for seed in (1, 2)]
    tiled = np.tile(faint_texture(1, 300, 5.0), (2, 2, 1))
    copy = query_fingerprint(suite._jpeg(np.ascontiguousarray(tiled), 30))
    first, other = engine.verify_many(copy, registered)
    assert first.detail.z >= engine.DETAIL_Z
    assert first.detail.ncc > engine.DETAIL_AT_THRESHOLD
    assert first.detail.coverage == 1.0
    assert engine.score_of(first) > engine.MATCH_THRESHOLD
    assert "cropped" not in (engine.describe(first) or "")
    assert other.detail.value == 0.0


def with_detail(alignment: engine._Alignment) -> engine._Evidence:
    """Evidence of nothing but a detail alignment."""
    return engine._Evidence(0.0, detail=alignment)


def fine_grain(seed: int, side: int = 300) -> np.ndarray:
    """A grain whose contrast sits at the finest pixels, over a faint coarser mottle."""
    rng = np.random.default_rng(seed)
    fy, fx = np.fft.fftfreq(side)[:, None], np.fft.fftfreq(side)[None]
    r2 = fx**2 + fy**2
    grey = np.full((side, side), 200.0)
    for level, gain in (
        (8.0, 1 - np.exp(-2 * np.pi**2 * r2)),  # white noise less its 1 px blur
        (1.5, np.exp(-r2 / (2 * 0.08**2))),
    ):
        band = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(side, side))) * gain))
        grey += level * (band - band.mean()) / band.std()
    return (
        np.stack([grey, grey * 0.97, grey * 0.93], axis=-1)
        .clip(0, 255)
        .astype(np.uint8)
    )


def test_a_heavy_jpeg_crop_of_a_fine_grain_is_found_by_the_low_passed_alignment():
    # JPEG 30 drops the finest grain, which the plain correlation still counts
    # against the copy (under 0.3 though the details line up); low-passed, the
    # registered grey explains what the copy kept.
    registered = [compute(fine_grain(seed)) for seed in (1, 2, 3)]
    copy = query_fingerprint(
        suite._jpeg(np.ascontiguousarray(suite.crop(fine_grain(1), 0.7)), 30)
    )
    copied, *others = engine.verify_many(copy, registered)
    assert copied.detail.z >= engine.DETAIL_Z
    assert copied.detail.ncc < engine.DETAIL_AT_THRESHOLD
    assert engine.score_from_evidence(copied.count) <= engine.MATCH_THRESHOLD
    assert engine.score_from_phase(copied.phase_counted) <= engine.MATCH_THRESHOLD
    assert copied.detail.lp_z >= engine.DETAIL_Z
    assert copied.detail.lp_ncc >= engine.DETAIL_LOWPASS + 0.05
    assert engine.score_of(copied) > engine.MATCH_THRESHOLD
    assert engine.describe(copied) == "cropped"
    for ev in others:
        assert ev.detail.lp_ncc < 0.2
        assert engine.score_of(ev) <= engine.MATCH_THRESHOLD


def test_a_low_passed_alignment_counts_from_its_own_bar():
    at_bar = engine._Alignment(
        z=20.0, ncc=0.1, lp_z=engine.DETAIL_Z, lp_ncc=engine.DETAIL_LOWPASS
    )
    assert at_bar.value == pytest.approx(engine.DETAIL_AT_THRESHOLD)
    assert engine.score_of(with_detail(at_bar)) == pytest.approx(engine.MATCH_THRESHOLD)
    whole = replace(at_bar, lp_ncc=1.0)
    assert engine.score_of(with_detail(whole)) == pytest.approx(1.0)
    # Under either bar it counts nothing, and the plain correlation stands alone.
    below = replace(at_bar, lp_ncc=engine.DETAIL_LOWPASS - 0.01)
    unaligned = replace(at_bar, lp_z=engine.DETAIL_Z_CLOSE - 0.5, lp_ncc=0.9)
    assert below.value == unaligned.value == 0.1
    assert engine.score_of(with_detail(below)) < 0.2
    # Low-passed alone it is no alignment: the plain peak must line up too (two
    # renderings of one height field explain 0.6 of each other low-passed at a peak
    # of 15, their plain peak 11).
    smooth_twins = replace(at_bar, z=11.0, ncc=0.49, lp_z=14.9, lp_ncc=0.61)
    assert smooth_twins.value == 0.0
    # A plain alignment that explains more than the low-passed one keeps its value.
    assert replace(at_bar, ncc=0.8).value == 0.8


def test_a_low_passed_alignment_that_explains_most_of_the_query_counts_at_a_low_peak():
    # Engine item 15: as the plain corner (DETAIL_Z_CLOSE, DETAIL_CLOSE), a low
    # peak counts where the low-passed candidate explains most of the query.
    close = engine._Alignment(
        z=5.0, ncc=0.0, lp_z=engine.DETAIL_Z_CLOSE, lp_ncc=engine.DETAIL_LOWPASS_CLOSE
    )
    assert close.value > engine.DETAIL_AT_THRESHOLD
    assert engine.score_of(with_detail(close)) > engine.MATCH_THRESHOLD
    # Under its bar (two renderings of one height field: 0.61-0.62 low-passed) or
    # its peak, nothing.
    assert replace(close, lp_ncc=engine.DETAIL_LOWPASS_CLOSE - 0.01).value == 0.0
    assert replace(close, lp_z=engine.DETAIL_Z_CLOSE - 0.1, lp_ncc=0.9).value == 0.0


def faint_weave(seed: int, side: int = 240, period: int = 26) -> np.ndarray:
    """A faint over-and-under weave with a finer grain: scales, checks and weaves
    keep their coarse structure through JPEG 30 and lose the rest."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side].astype(float)
    a, b = rng.uniform(0, 2 * np.pi, 2)
    warp = np.sin(2 * np.pi * x / period + a) * np.sign(np.sin(np.pi * y / period + b))
    weft = -np.sin(2 * np.pi * y / period + a) * np.sign(np.sin(np.pi * x / period + b))
    grain = cv2.GaussianBlur(rng.normal(size=(side, side)), (0, 0), 1.2)
    grey = 180 + 2.1 * np.maximum(warp, weft) + 0.3 * grain / grain.std()
    return (
        np.stack([grey, grey * 0.95, grey * 0.9], axis=-1).clip(0, 255).astype(np.uint8)
    )


def test_a_heavy_jpeg_of_a_faint_weave_is_found_by_its_low_passed_structure():
    # JPEG 30 leaves the weave's coarse structure: the plain details line up at a
    # low peak and explain a little over half of the copy, short of both plain
    # bars; low-passed, the registered weave explains most of it.
    registered = [compute(faint_weave(seed)) for seed in (1, 2, 3)]
    copy = query_fingerprint(suite._jpeg(faint_weave(1), 30))
    copied, *others = engine.verify_many(copy, registered)
    d = copied.detail
    assert d.z < engine.DETAIL_Z and d.ncc < engine.DETAIL_CLOSE
    assert d.lp_z >= engine.DETAIL_Z_CLOSE
    assert d.lp_ncc >= engine.DETAIL_LOWPASS_CLOSE
    assert engine.score_from_evidence(copied.count) <= engine.MATCH_THRESHOLD
    assert engine.score_from_phase(copied.phase_counted) <= engine.MATCH_THRESHOLD
    assert (
        engine.score_from_correlation(copied.correlation_counted)
        <= engine.MATCH_THRESHOLD
    )
    assert engine.score_of(copied) > engine.MATCH_THRESHOLD
    for ev in others:
        assert engine.score_of(ev) <= engine.MATCH_THRESHOLD


def askew(array: np.ndarray, degrees: float) -> np.ndarray:
    """The printed repeat turned by a few degrees, cut to the tile's size."""
    h, w = array.shape[:2]
    turn = cv2.getRotationMatrix2D((1.5 * w, 1.5 * h), degrees, 1.0)
    turn[:, 2] -= (w, h)
    return cv2.warpAffine(np.tile(array, (3, 3, 1)), turn, (w, h))


def test_a_heavy_jpeg_of_an_askew_grain_is_found_by_the_turned_detail():
    # Turned 7.3 degrees and JPEG'd at 30: no keypoint survives and the details line
    # up at no shift; the spectra show the turn, and turned back the detail aligns.
    registered = [compute(fine_grain(seed)) for seed in (1, 2, 3)]
    copy = query_fingerprint(suite._jpeg(askew(fine_grain(1), 7.3), 30))
    copied, *others = engine.verify_many(copy, registered)
    assert engine.score_from_evidence(copied.count) <= engine.MATCH_THRESHOLD
    assert engine.score_from_phase(copied.phase_counted) <= engine.MATCH_THRESHOLD
    assert copied.detail.turn == pytest.approx(-7.3, abs=0.5)
    assert copied.detail.value > engine.DETAIL_AT_THRESHOLD
    assert engine.score_of(copied) > engine.MATCH_THRESHOLD
    assert engine.describe(copied) == "rotated"
    for ev in others:
        assert engine.score_of(ev) <= engine.MATCH_THRESHOLD


def test_a_turn_beyond_the_details_range_is_left_to_the_keypoints():
    registered = [compute(faint_texture(seed, 300, 3.0)) for seed in (1, 2)]
    copy = query_fingerprint(askew(faint_texture(1, 300, 3.0), 30.0))
    copied, other = engine.verify_many(copy, registered)
    assert copied.detail.turn == 0.0
    assert copied.detail.value == 0.0
    assert engine.score_from_evidence(copied.count) > engine.MATCH_THRESHOLD
    assert engine.score_of(other) <= engine.MATCH_THRESHOLD


def test_a_turned_detail_alignment_is_named_rotated():
    turned = engine._Alignment(z=30.0, ncc=0.7, inverted=True, coverage=0.5, turn=-6.0)
    assert engine.describe(with_detail(turned)) == "rotated, recoloured, cropped"
    unturned = with_detail(replace(turned, turn=0.0))
    assert engine.describe(unturned) == "recoloured, cropped"


def test_a_query_too_small_at_the_candidates_scale_is_not_aligned():
    # 40 px of a 1,000 px registered file's pixels are 10 px of its 256 px detail:
    # too few to line up with anything, so no alignment is made at all.
    registered = compute(faint_texture(1, 1000, 5.0))
    small = query_fingerprint(faint_texture(1, 1000, 5.0)[:40, :40])
    (ev,) = engine.verify_many(small, [registered])
    assert ev.detail == engine._Alignment()


def test_a_detail_alignment_names_an_inverted_crop_recoloured_and_cropped():
    inverted_crop = engine._Alignment(z=30.0, ncc=0.7, inverted=True, coverage=0.5)
    assert engine.describe(with_detail(inverted_crop)) == "recoloured, cropped"
    whole = replace(inverted_crop, inverted=False, coverage=1.0)
    assert engine.describe(with_detail(whole)) is None


def test_details_that_line_up_but_explain_nothing_count_nothing():
    # A lattice lines up with anything of its period at some shift (a high z), but
    # its grey explains little of an unrelated query (a low correlation there); a
    # copy that explains the query but lines up nowhere is no pixel copy either.
    lattice = with_detail(engine._Alignment(z=40.0, ncc=0.05))
    nowhere = with_detail(engine._Alignment(z=0.9 * engine.DETAIL_Z_CLOSE, ncc=0.9))
    copy = with_detail(engine._Alignment(z=engine.DETAIL_Z, ncc=0.65))
    # A lower peak counts only where the candidate explains most of the query.
    close = with_detail(engine._Alignment(z=engine.DETAIL_Z_CLOSE, ncc=0.65))
    low = with_detail(engine._Alignment(z=engine.DETAIL_Z_CLOSE, ncc=0.55))
    assert engine.score_of(lattice) < 0.1
    assert engine.score_of(nowhere) == 0.0
    assert engine.score_of(copy) == pytest.approx(0.75)
    assert engine.score_of(close) == pytest.approx(0.75)
    assert engine.score_of(low) == 0.0

    checks = np.indices((256, 256)).sum(axis=0) // 8 % 2 * 120 + 60
    board = compute(np.repeat(checks[..., None], 3, axis=2).astype(np.uint8))
    query = query_fingerprint(suite._jpeg(faint_texture(9, 256), 30))
    (ev,) = engine.verify_many(query, [board])
    assert ev.detail.ncc < engine.DETAIL_AT_THRESHOLD
    assert engine.score_of(ev) <= engine.MATCH_THRESHOLD


def test_a_fingerprint_without_a_detail_still_unpacks_its_embeddings():
    points, descriptors = np.zeros((0, 4), np.float32), np.zeros((0, 128), np.uint8)
    thumb = np.zeros((fp.THUMB, fp.THUMB), np.float32)
    embedded = np.eye(3, fp.embedding.DIM, dtype=np.float32)
    features = fp.pack_features(points, descriptors, None, thumb, embedded)
    assert fp.unpack_detail(features) is None
    assert np.array_equal(fp.unpack_embeddings(features), embedded)
    grey = np.arange(12, dtype=np.float32).reshape(3, 4) / 4
    with_detail = fp.pack_features(
        points, descriptors, None, thumb, embedded, fp.Detail(grey, 0.5, 0.25)
    )
    detail = fp.unpack_detail(with_detail)
    assert detail.grey == pytest.approx(grey, abs=1 / fp.THUMB_SCALE)
    assert (detail.fx, detail.fy) == (0.5, 0.25)
    assert np.array_equal(fp.unpack_embeddings(with_detail), embedded)


def test_a_phase_peak_that_does_not_stand_out_counts_nothing():
    # Lattices and stripes peak high against each other: a peak counts only when it
    # is PHASE_RATIO times every other shortlisted design's.
    z = 3 * engine.PHASE_AT_THRESHOLD
    tied = engine._Evidence(0.0, phase=z, phase_runner_up=0.9 * z)
    ahead = engine._Evidence(0.0, phase=z, phase_runner_up=z / engine.PHASE_RATIO)
    weak = engine._Evidence(0.0, phase=0.9 * engine.PHASE_AT_THRESHOLD)
    assert engine.score_of(tied) == 0.0
    assert engine.score_of(ahead) == pytest.approx(0.75)
    assert engine.score_of(weak) < engine.MATCH_THRESHOLD


def keypoint_fingerprint(points: np.ndarray, descriptors: np.ndarray, side: int):
    features = fp.pack_features(points, descriptors)
    return fp.Fingerprint(bytes(engine.CODE_BYTES), features, side, side)


@pytest.mark.parametrize(("scale", "counted"), [(2.0, True), (5.0, False)])
def test_keypoint_geometry_counts_only_at_a_plausible_scale(scale, counted):
    # Grids and lattices line up with any lattice of a multiple of their period
    # (distractors agreed at 0.06x and 5x); copies stay within 0.5x-2x of the tile.
    rng = np.random.default_rng(5)
    n = 40
    descriptors = rng.integers(0, 256, (n, 128)).astype(np.uint8)
    points = np.zeros((n, 4), np.float32)
    points[:, :2] = rng.uniform(0, 400, (n, 2))
    points[:, 2] = rng.uniform(8, 20, n)
    registered = keypoint_fingerprint(points, descriptors, 400)
    shrunk = points.copy()
    shrunk[:, :3] /= scale  # the same keypoints in a copy `scale` times smaller
    query = keypoint_fingerprint(shrunk, descriptors, round(400 / scale))
    evidence = engine._keypoint_evidence(query, [registered])[0]
    if counted:
        assert evidence.count >= n * 0.9
        assert evidence.scale == pytest.approx(scale, rel=0.05)
    else:
        assert evidence.count == 0


def test_two_images_of_one_design_do_not_outvote_each_other(registry):
    # A design whose two images are nearly the same picture (a re-saved upload, a
    # second colourway): a copy resembles both, and neither may count as the other's
    # rival in the ratio test or as the runner-up correlation.
    names, fps, _index = registry
    leaf = rgb("hero-leaf.png")
    candidates = {**fps, 100: compute(suite._jpeg(leaf, 90))}
    index = engine.MatchIndex()
    for key, f in candidates.items():
        index.add(key, f.vector)
    original = names.index("hero-leaf.png")
    design_of = {key: key for key in fps} | {100: original}
    recoloured = suite.duotone(leaf, np.random.default_rng(3))
    copy = compute(suite.crop(recoloured[:, ::-1], 0.7))

    def lookup(keys):
        return {k: candidates[k] for k in keys}

    results = engine.match(copy, index, lookup, group_of=design_of.get)
    assert {results[0].key, results[1].key} == {original, 100}
    assert results[0].is_match
    assert not any(r.is_match for r in results[2:])
    # Taken for two designs, the two images cancel each other out: no match at all.
    rivals = engine.match(copy, index, lookup)
    assert not any(r.is_match for r in rivals)


def test_a_motif_repeated_across_the_query_is_one_piece_of_evidence():
    # Sixteen copies of one motif in the query all match the same registered keypoint,
    # and all agree modulo the 100 px tile: that is one agreeing place, not sixteen.
    rng = np.random.default_rng(9)
    motif = rng.integers(0, 256, (1, 128)).astype(np.uint8)
    others = rng.integers(0, 256, (30, 128)).astype(np.uint8)
    registered_points = np.zeros((31, 4), np.float32)
    registered_points[0, :3] = (50, 50, 12)
    registered_points[1:, :2] = rng.uniform(0, 100, (30, 2))
    registered_points[1:, 2] = 12
    registered = keypoint_fingerprint(
        registered_points, np.concatenate([motif, others]), 100
    )
    grid = np.array([(50 + 100 * i, 50 + 100 * j) for i in range(4) for j in range(4)])
    query_points = np.zeros((16, 4), np.float32)
    query_points[:, :2] = grid
    query_points[:, 2] = 12
    query = keypoint_fingerprint(query_points, np.repeat(motif, 16, axis=0), 400)
    evidence = engine._keypoint_evidence(query, [registered])[0]
    assert evidence.count <= 1


def test_index_distances_equal_a_bit_by_bit_count_even_when_every_bit_differs():
    # The distances are added as uint8 pairs before widening: an all-ones query
    # against all-zero codes (256 and 128 differing bits) must not wrap round.
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 256, (70_000, engine.CODE_BYTES), dtype=np.uint8)
    codes[0] = 0
    index = engine.MatchIndex()
    index.load(np.arange(len(codes)), codes)
    bits = np.unpackbits(codes, axis=1).astype(np.int32)
    for query in (
        rng.integers(0, 256, engine.QUERY_BYTES, dtype=np.uint8),
        np.full(engine.QUERY_BYTES, 255, np.uint8),
    ):
        q = np.unpackbits(query).astype(np.int32)
        differ = bits[:, :512] != q[:512]
        embedded = [
            (bits[:, 512 + 128 * j : 640 + 128 * j] != q[512:640]).sum(axis=1)
            for j in range(3)
        ]
        expected = np.stack(
            [
                differ[:, :256].sum(axis=1),
                differ[:, 256:].sum(axis=1),
                np.min(embedded, axis=0),
            ]
        )
        assert np.array_equal(index.distances(query.tobytes()), expected)
    assert index.distances(np.full(engine.QUERY_BYTES, 255, np.uint8).tobytes())[
        :, 0
    ].tolist() == [256, 256, 128]


def test_a_candidate_without_a_thumbnail_gets_no_correlation_and_spoils_no_other():
    # Fingerprints stored before thumbnails existed carry none: the batched FFTs must
    # leave them at zero and still correlate the others.
    registered = compute(faint_texture(1))
    points = np.zeros((0, 2), np.float32)
    bare = keypoint_fingerprint(points, np.zeros((0, 128), np.uint8), 400)
    assert bare.thumbnail() is None
    copy = query_fingerprint(suite._jpeg(faint_texture(1), 30))
    without, with_thumb = engine.verify_many(copy, [bare, registered])
    assert without.correlation == 0.0 and without.phase == 0.0
    assert with_thumb.phase > engine.PHASE_AT_THRESHOLD
    assert with_thumb.phase_runner_up == 0.0
    assert engine.score_of(with_thumb) > engine.MATCH_THRESHOLD


def _fingerprints_of_a_photographed_texture():
    # A generated faint texture (a filler of eval_match) and a market photo of it: its
    # perspective breaks the pixel scale, and it has too few keypoints to vote.
    texture = suite.synthetic_texture(2)
    photo = suite.market_photo(texture, np.random.default_rng(2))
    query = fp.compute_query(Image.fromarray(np.ascontiguousarray(photo)))
    original = fp.compute(Image.fromarray(texture))
    other = fp.compute(Image.fromarray(suite.synthetic_texture(102)))
    return query, original, other


def test_a_market_photo_of_a_faint_texture_is_confirmed_by_fitting_its_perspective():
    query, original, other = _fingerprints_of_a_photographed_texture()
    quick, _ = engine.verify(query, original)
    assert quick <= engine.MATCH_THRESHOLD  # the registry's witnesses miss it
    aligned = engine.photo_alignment(query, original)
    assert aligned.z >= engine.DETAIL_Z and aligned.value > engine.DETAIL_AT_THRESHOLD
    score, alteration = engine.verify_closely(query, original)
    assert score > engine.MATCH_THRESHOLD and alteration == "photographed"
    # An unrelated texture does not line up under any of the grid's affine maps.
    assert engine.photo_alignment(query, other).value == 0.0
    score, alteration = engine.verify_closely(query, other)
    assert score <= engine.MATCH_THRESHOLD and alteration is None


def test_verify_closely_keeps_the_quick_witnesses_answer_when_they_match():
    leaf = rgb("hero-leaf.png")
    query = fp.compute_query(Image.fromarray(np.ascontiguousarray(leaf[:, ::-1])))
    candidate = fp.compute(Image.fromarray(leaf))
    assert engine.verify_closely(query, candidate) == engine.verify(query, candidate)


def _without_detail(f: fp.Fingerprint) -> fp.Fingerprint:
    """The same design's code with no verification data (no detail to align)."""
    return fp.Fingerprint(vector=f.vector, features=b"", width=f.width, height=f.height)


def test_photo_alignment_needs_both_details():
    query, original, _other = _fingerprints_of_a_photographed_texture()
    no_detail = _without_detail(original)
    assert engine.photo_alignment(query, no_detail) == engine._Alignment()
    # A tile too small for half of it to say anything is not searched.
    small = fp.compute(Image.fromarray(suite.synthetic_texture(2)[:60, :60]))
    assert min(small.detail().grey.shape) < 2 * engine.DETAIL_MIN_SIDE
    assert engine.photo_alignment(query, small) == engine._Alignment()


def _photographed_tile(tile: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """The middle of a 3 x 3 tiling seen through `affine` (tile px -> photo px), as a
    256 x 192 grey: a flat stand-in for a photo's detail."""
    tiled = np.tile(tile, (3, 3))
    inverse = np.linalg.inv(affine)
    m = np.zeros((2, 3), np.float32)
    m[:, :2] = inverse
    m[:, 2] = np.array([tiled.shape[1] / 2, tiled.shape[0] / 2]) - inverse @ [128, 96]
    return cv2.warpAffine(
        tiled, m, (256, 192), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    )


@pytest.mark.parametrize("at", [300, 1000, 1700])
def test_the_power_spectra_rank_the_photos_own_map_first(at):
    # No shift enters a power spectrum: the tile's, carried through the map that
    # made the photo, agrees with the photo's better than through any other of the
    # 2,100 (a printed motif; a faint noise texture is ranked less sharply, see
    # docs/benchmarks.md row 57).
    leaf = compute(rgb("hero-leaf.png"))
    grid = engine._photo_grid()
    photo = engine._PhotoQuery(
        _photographed_tile(leaf.detail().grey, engine._photo_affine(grid[at]))
    )
    agreement = photo.agreement(leaf)
    assert agreement.shape == (len(grid),)
    assert int(agreement.argmax()) == at
    # A different design's tile agrees with none of the maps as well.
    assert photo.agreement(compute(rgb("hero-pieFactory.png"))).max() < agreement[at]


def test_a_flat_tile_or_none_agrees_with_no_map():
    photo = engine._PhotoQuery(np.random.default_rng(1).normal(size=(192, 256)))
    flat = compute(np.full((200, 200, 3), 128, np.uint8))
    assert not np.any(photo.agreement(flat))
    bare = fp.Fingerprint(vector=flat.vector, features=b"", width=200, height=200)
    assert bare.detail() is None and not np.any(photo.agreement(bare))


def test_the_quick_photo_alignment_confirms_the_photographed_texture():
    query, original, other = _fingerprints_of_a_photographed_texture()
    aligned = engine.photo_alignment(query, original, quick=True)
    assert aligned.z >= engine.DETAIL_Z and aligned.value > engine.DETAIL_AT_THRESHOLD
    assert engine.photo_alignment(query, other, quick=True).value == 0.0


def test_the_photos_affine_is_refined_to_its_perspective(monkeypatch):
    # Half a tile's affine lines this photo up only near its centre (its perspective
    # bends the rest; since item 25's finer search, at the close bar); the
    # homography ECC finds over the whole photo lines up most of a tile, at a peak
    # that counts alone.
    texture = suite.synthetic_texture(41)
    photo = suite.market_photo(texture, np.random.default_rng(41))
    query = fp.compute_query(Image.fromarray(np.ascontiguousarray(photo)))
    original = fp.compute(Image.fromarray(texture))
    refined = engine.photo_alignment(query, original, quick=True)
    monkeypatch.setattr(engine, "_homography_alignment", lambda *a: engine._Alignment())
    affine = engine.photo_alignment(query, original, quick=True)
    assert affine.z < engine.DETAIL_Z <= refined.z
    assert refined.value > max(engine.DETAIL_AT_THRESHOLD, affine.value)
    assert affine.coverage == pytest.approx(0.25, abs=0.02)
    assert refined.coverage > 0.5


@pytest.mark.parametrize(
    "peak, refines",
    [(engine.PHOTO_ECC_GATE - 0.1, False), (engine.PHOTO_ECC_GATE, True)],
)
def test_only_a_map_whose_peak_could_count_is_refined(monkeypatch, peak, refines):
    # Unrelated designs mostly peak under PHOTO_ECC_GATE at the chosen map: the
    # refinement's work is spent on the rest.
    query, original, _other = _fingerprints_of_a_photographed_texture()
    refined = []
    monkeypatch.setattr(engine, "_align", lambda *a: engine._Alignment(z=peak))
    monkeypatch.setattr(
        engine,
        "_homography_alignment",
        lambda *a: refined.append(a) or engine._Alignment(z=peak + 10, ncc=0.8),
    )
    aligned = engine.photo_alignment(query, original, quick=True)
    assert len(refined) == int(refines)
    assert aligned.z == (peak + 10 if refines else peak)


@pytest.mark.parametrize("flat", [True, False])
def test_where_ecc_gives_up_the_refinement_aligns_nothing(flat):
    # A flat grey, or noise unlike the tile: ECC stops (cv2.error) or lines up
    # nothing, and the refinement says so instead of raising.
    tile = fp.compute(Image.fromarray(suite.synthetic_texture(41))).detail().grey
    rng = np.random.default_rng(1)
    grey = (
        np.zeros((192, 256), np.float32)
        if flat
        else rng.normal(size=(192, 256)).astype(np.float32)
    )
    aligned = engine._homography_alignment(
        grey, engine._CandidateDetail(tile), np.eye(2) * 0.7, np.zeros(2), (0, 0)
    )
    assert aligned.value == 0.0 and aligned.z < engine.DETAIL_Z_CLOSE


def _photo_of_repeats(tile: np.ndarray, noise: float):
    """A 192 x 256 grey photo of the tile's 5 x 5 tiling, one photo px a tile px,
    with the photo's noise; and the map of the tiling's px to the photo's."""
    h, w = tile.shape
    to_tiling = np.array([[1, 0, 2 * w - 37.0], [0, 1, 2 * h - 21.0], [0, 0, 1]])
    ys, xs = np.mgrid[0:192, 0:256].astype(float)
    points = engine._project(to_tiling, np.stack([xs, ys], -1)).astype(np.float32)
    photo = cv2.remap(
        np.tile(tile, (5, 5)), points[..., 0], points[..., 1], cv2.INTER_LINEAR
    )
    photo += np.random.default_rng(0).normal(0, noise, photo.shape).astype(np.float32)
    return photo, np.linalg.inv(to_tiling)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def test_every_repeat_a_photo_shows_is_averaged_into_one_tile():
    # A faint texture photographed with as much noise as texture: the photo shows
    # about 4 x 3 repeats, and their average is much nearer the tile than any one.
    rng = np.random.default_rng(3)
    tile = cv2.GaussianBlur(rng.normal(0, 1, (64, 80)).astype(np.float32), (0, 0), 1.5)
    tile /= tile.std()
    photo, back = _photo_of_repeats(tile, noise=1.0)
    folded = engine._folded(photo, back, 80, 64)
    assert folded.shape == (64, 80)
    xs, ys = np.meshgrid(np.arange(80.0) + 2 * 80, np.arange(64.0) + 2 * 64)
    points = engine._project(back, np.stack([xs, ys], -1)).astype(np.float32)
    one_repeat = cv2.remap(photo, points[..., 0], points[..., 1], cv2.INTER_LINEAR)
    assert _correlation(one_repeat, tile) < 0.75
    assert _correlation(folded, tile) > 0.85
    # The tiling mapped beside the photo: no repeat is shown, nothing is folded.
    away = back @ np.array([[1, 0, 5000.0], [0, 1, 0], [0, 0, 1]])
    assert engine._folded(photo, away, 80, 64) is None


def test_the_refinement_aligns_the_photos_repeats_averaged(monkeypatch):
    # A photo of ~1.8 repeats of a faint texture, noisy: the largest part of one tile
    # lines up under the peak that counts alone; every repeat averaged, over it.
    tile = compute(suite.synthetic_texture(41)).detail().grey
    photo, _back = _photo_of_repeats(tile, noise=2 * float(tile.std()))
    # The start the affine stage would give: the photo's px 1:1, shifted as made.
    args = (photo, engine._CandidateDetail(tile), np.eye(2), np.array([37.0, 21.0]))
    folded = engine._homography_alignment(*args, (0, 0))
    monkeypatch.setattr(engine, "_folded", lambda *a: None)
    one = engine._homography_alignment(*args, (0, 0))
    assert one.z < engine.DETAIL_Z <= folded.z
    assert folded.value > one.value > engine.DETAIL_AT_THRESHOLD


def test_a_query_keeps_a_finer_grey_for_the_photo_stage_made_only_when_asked():
    # A phone photo is decoded reduced (draft) for the fingerprint; the photo stage
    # asks for its grey at up to PHOTO_SIDE px, decoded again from the upload's start.
    photo = cv2.resize(
        suite.market_photo(suite.synthetic_texture(2), np.random.default_rng(2)),
        (2000, 1500),
        interpolation=cv2.INTER_CUBIC,
    )
    data = io.BytesIO()
    Image.fromarray(photo).save(data, "JPEG", quality=90)
    upload = io.BytesIO(data.getvalue())
    image = fp.load_image(upload)
    assert max(image.size) == 1000  # draft() decoded it at half size
    query = fp.compute_query(image)
    upload.read()  # read on by someone else meanwhile
    grey = query.photo()
    assert grey.shape == (768, 1024) and grey.dtype == np.float32
    assert query.photo() is grey  # made once
    # The same picture as the detail: reduced to its size, the two agree.
    detail = query.detail().grey
    small = cv2.resize(grey, detail.shape[::-1], interpolation=cv2.INTER_AREA)
    assert _correlation(small, detail) > 0.9
    # The registry's fingerprints carry none, and the bytes never do.
    assert fp.compute(fp.load_image(io.BytesIO(data.getvalue()))).photo is None
    assert fp.Fingerprint.from_bytes(query.to_bytes()).photo is None


@pytest.mark.parametrize("mode", ["RGB", "P"])
def test_a_large_picture_at_hand_gives_its_finer_grey_reduced(mode):
    # An evidence photo is opened whole (no draft): its finer grey is reduced from it.
    photo = cv2.resize(
        suite.market_photo(suite.synthetic_texture(2), np.random.default_rng(2)),
        (2600, 1950),
    )
    image = Image.fromarray(photo)
    if mode == "P":
        image = image.convert("P")
    query = fp.compute_query(image)
    grey = query.photo()
    assert grey.shape == (768, 1024)
    detail = query.detail().grey
    small = cv2.resize(grey, detail.shape[::-1], interpolation=cv2.INTER_AREA)
    assert _correlation(small, detail) > 0.9


def test_a_photo_turned_by_its_exif_orientation_gives_its_finer_grey_turned_alike():
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned a quarter
    data = io.BytesIO()
    photo = suite.market_photo(suite.synthetic_texture(2), np.random.default_rng(2))
    Image.fromarray(cv2.resize(photo, (1600, 1200))).save(
        data, "JPEG", quality=90, exif=exif
    )
    query = fp.compute_query(fp.load_image(io.BytesIO(data.getvalue())))
    grey, detail = query.photo(), query.detail().grey
    assert grey.shape == (1024, 768) and detail.shape[0] > detail.shape[1]
    small = cv2.resize(grey, detail.shape[::-1], interpolation=cv2.INTER_AREA)
    assert _correlation(small, detail) > 0.9


def test_an_upload_closed_or_unreadable_gives_no_finer_grey_and_no_error():
    photo = cv2.resize(
        suite.market_photo(suite.synthetic_texture(2), np.random.default_rng(2)),
        (2000, 1500),
    )
    data = io.BytesIO()
    Image.fromarray(photo).save(data, "JPEG", quality=90)
    upload = io.BytesIO(data.getvalue())
    query = fp.compute_query(fp.load_image(upload))
    upload.close()  # before the photo stage asks
    assert query.photo() is None
    assert fp.photo_pixels(io.BytesIO(b"not an image")) is None


def test_without_its_finer_grey_the_photo_stage_aligns_on_the_detail():
    # An upload closed before the photo stage asks: the grey is None, and the stage
    # works on the detail as before item 24.
    query, original, other = _fingerprints_of_a_photographed_texture()
    closed = replace(query, photo=lambda: None)
    assert engine._FineGrey.of(closed, closed.detail()) is None
    assert engine.photo_alignment(closed, original, quick=True) == (
        engine.photo_alignment(replace(query, photo=None), original, quick=True)
    )
    assert engine.photo_alignment(closed, original, quick=True).value > 0.3
    assert engine.photo_alignment(closed, other, quick=True).value == 0.0


def test_the_fine_grey_is_sampled_as_the_mean_over_each_frame_pixel():
    # A frame px spanning 3 x 3 fine px is their mean (what INTER_AREA gives), not
    # one sample of them: the fine grain would otherwise fold into the frame.
    rng = np.random.default_rng(4)
    grey = rng.normal(size=(192 * 3, 256 * 3)).astype(np.float32)
    fine = engine._FineGrey(
        grey, np.diag([3.0, 3.0, 1.0]) + [[0, 0, 1], [0, 0, 1], [0, 0, 0]]
    )
    sampled = fine.sampled(np.eye(3), (0.0, 0.0), (256, 192))
    area = cv2.resize(grey, (256, 192), interpolation=cv2.INTER_AREA)
    assert sampled.shape == (192, 256)
    assert np.abs(sampled - area).max() < 1e-4
    # From the detail's px to the fine's: pixel centres line up.
    again = engine._FineGrey.of(
        replace(
            fp.compute_query(Image.fromarray(np.zeros((60, 80, 3), np.uint8))),
            photo=lambda: grey[:180, :240],
        ),
        fp.Detail(np.zeros((60, 80), np.float32), 1.0, 1.0),
    )
    assert np.allclose(again.from_detail, [[3, 0, 1], [0, 3, 1], [0, 0, 1]])


def test_the_fine_grey_is_sampled_through_a_perspective_at_each_frame_pixel():
    # Through a homography, frame px (x, y) is the fine grey at from_detail @ back @
    # (x, y): what projecting every px and remapping gives (item 24's way), one
    # matrix for OpenCV instead of a grid of points.
    rng = np.random.default_rng(7)
    grey = cv2.GaussianBlur(rng.normal(size=(600, 800)).astype(np.float32), (0, 0), 3)
    grey /= grey.std()
    from_detail = engine._rescaled(3.0, 3.0)
    back = np.array([[0.9, 0.1, 20.0], [-0.05, 1.1, 12.0], [2e-4, -1e-4, 1.0]])
    sampled = engine._FineGrey(grey, from_detail, most=1).sampled(
        back, (4.0, 6.0), (96, 64)
    )
    bx, by = np.meshgrid(4.0 + np.arange(96), 6.0 + np.arange(64))
    points = engine._project(from_detail @ back, np.stack([bx, by], -1))
    expected = cv2.remap(
        grey,
        points[..., 0].astype(np.float32),
        points[..., 1].astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )
    assert sampled.shape == (64, 96)
    # Both interpolate at OpenCV's 1/32 px steps, rounded apart at most one step.
    assert np.abs(sampled - expected).max() < 0.01
    # Another image of the grey's size (the fold's coverage) through the same map.
    ones = np.ones_like(grey)
    inside = engine._FineGrey(grey, from_detail, most=1).sampled(
        back, (-40.0, 6.0), (96, 64), cv2.BORDER_CONSTANT, ones
    )
    assert inside.min() == 0.0 and inside.max() == 1.0


def test_the_photo_search_samples_its_finer_windows_from_the_fine_grey(monkeypatch):
    # Item 25: the finer steps of the map search look at the photo's own pixels (at
    # most PHOTO_SEARCH_SUPERSAMPLE^2 a px), and the map chosen at up to
    # PHOTO_SUPERSAMPLE^2; a query without a fine grey is searched on its detail.
    query, original, _other = _fingerprints_of_a_photographed_texture()
    most = []
    real = engine._FineGrey.sampled

    def spy(self, *args, **kwargs):
        most.append(self.most)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(engine._FineGrey, "sampled", spy)
    monkeypatch.setattr(engine, "_homography_alignment", lambda *a: engine._Alignment())
    engine.photo_alignment(query, original, quick=True)
    searched = most.count(engine.PHOTO_SEARCH_SUPERSAMPLE)
    assert searched > 20  # every window of the finer descents
    assert most[searched:] == [engine.PHOTO_SUPERSAMPLE]  # then the chosen map's
    most.clear()
    coarse = replace(query, photo=None)
    engine.photo_alignment(coarse, original, quick=True)
    assert most == []


def test_the_fold_is_made_at_the_candidates_working_grid_and_reduced_alike():
    # A registered tile of 320 px has a 256 px detail, its working image reduced
    # (INTER_AREA). A photo of its repeats, folded at that working grid and reduced
    # the same way, is the registered detail again; sampled at the detail's own grid,
    # it is only near it (the two reductions weigh the pixels differently).
    tile = faint_texture(8, 320, 3.0)
    registered = compute(tile)
    assert (registered.width, registered.height) == (320, 320)
    detail = registered.detail().grey
    assert detail.shape == (256, 256)
    # The photo: the 3 x 3 tiling's normalised grey, one fine px a working px.
    photo = fp.normalised_grey(np.tile(tile, (3, 3, 1))).astype(np.float32)[
        250:850, 300:1100
    ]
    from_detail = np.array([[3.125, 0, 1.0625], [0, 3.125, 1.0625], [0, 0, 1]])
    fine = engine._FineGrey(photo, from_detail)
    r = 320 / 256
    detail_to_work = np.array([[r, 0, (r - 1) / 2], [0, r, (r - 1) / 2], [0, 0, 1]])
    # back: the 5 x 5 tiling's detail px -> its working px -> the photo's px (the
    # photo starts 320 + (300, 250) working px into it) -> the photo's detail px
    to_photo = np.array([[1, 0, -620.0], [0, 1, -570.0], [0, 0, 1]])
    back = np.linalg.inv(from_detail) @ to_photo @ detail_to_work
    blank = np.zeros((192, 256), np.float32)
    at_work = engine._folded(blank, back, 256, 256, fine, (320, 320))
    at_detail = engine._folded(blank, back, 256, 256, fine)
    assert at_work.shape == at_detail.shape == (256, 256)
    assert _correlation(at_work, detail) > 0.999
    assert _correlation(at_detail, detail) < _correlation(at_work, detail) - 0.005


def test_a_repeat_mapped_wholly_beside_the_photo_is_not_sampled():
    back = np.array([[0.5, 0, -100.0], [0, 0.5, -50.0], [0, 0, 1]])
    assert not engine._beside(back, 200, 100, 80, 64, 256, 192)  # inside
    assert not engine._beside(back, 150, 50, 80, 64, 256, 192)  # over the edge
    assert engine._beside(back, 1000, 100, 80, 64, 256, 192)  # to the right
    assert engine._beside(back, 200, -400, 80, 64, 256, 192)  # above
    # A corner beyond the horizon: no box to trust, so it is sampled.
    tilted = back.copy()
    tilted[2] = [0.0, -0.01, 1.0]
    assert not engine._beside(tilted, 200, 150, 80, 64, 256, 192)


def test_a_homography_far_from_its_start_is_not_trusted():
    start = np.array([[1.4, 0.1, 300.0], [-0.1, 1.4, 280.0], [0.0, 0.0, 1.0]])
    assert engine._plausible(start, start, 256, 192)
    # A perspective of the photo is kept: the scale at its centre is close.
    tilted = start.copy()
    tilted[2] = [4e-4, -2e-4, 1.0]
    assert engine._plausible(tilted, start, 256, 192)
    # Collapsed to a few pixels, or blown up past the tiling: doubted.
    assert not engine._plausible(start @ np.diag([0.2, 0.2, 1.0]), start, 256, 192)
    assert not engine._plausible(start @ np.diag([3.0, 3.0, 1.0]), start, 256, 192)
    # A corner of the photo beyond the horizon (the map folds it over): doubted.
    folded = start.copy()
    folded[2] = [-0.01, 0.0, 1.0]
    assert not engine._plausible(folded, start, 256, 192)


def _registry_of_textures(original: fp.Fingerprint) -> tuple[engine.MatchIndex, dict]:
    fps = {0: original}
    for key, seed in enumerate((101, 102, 103, 104), start=1):
        fps[key] = fp.compute(Image.fromarray(suite.synthetic_texture(seed)))
    index = engine.MatchIndex()
    for key, f in fps.items():
        index.add(key, f.vector)
    return index, fps


def test_the_search_aligns_its_best_designs_as_a_photo_only_when_asked():
    query, original, _other = _fingerprints_of_a_photographed_texture()
    index, fps = _registry_of_textures(original)

    def search(**kwargs) -> list[engine.Result]:
        return engine.match(
            query, index, lambda keys: {k: fps[k] for k in keys}, **kwargs
        )

    # Without the photo option the registry's witnesses miss the photographed texture.
    assert not any(r.is_match for r in search())
    found = search(photo=len(fps))
    assert found[0].key == 0 and found[0].is_match
    assert found[0].alteration == "photographed"
    assert found[0].score > engine.MATCH_THRESHOLD
    assert not any(r.is_match for r in found[1:])


def test_the_photo_option_flags_nothing_for_an_unrelated_photo():
    _query, original, _other = _fingerprints_of_a_photographed_texture()
    index, fps = _registry_of_textures(original)
    unrelated = suite.market_photo(suite.synthetic_texture(7), np.random.default_rng(7))
    query = fp.compute_query(Image.fromarray(np.ascontiguousarray(unrelated)))
    found = engine.match(query, index, lambda keys: {k: fps[k] for k in keys}, photo=5)
    assert found and not any(r.is_match for r in found)


def test_the_photo_option_is_not_run_when_the_search_already_matches(monkeypatch):
    _query, original, _other = _fingerprints_of_a_photographed_texture()
    index, fps = _registry_of_textures(original)
    copy = fp.compute_query(Image.fromarray(suite.synthetic_texture(2)[:, ::-1].copy()))
    calls = []
    monkeypatch.setattr(
        engine,
        "photo_alignment",
        lambda *a, **k: calls.append(a) or engine._Alignment(),
    )
    found = engine.match(copy, index, lambda keys: {k: fps[k] for k in keys}, photo=5)
    assert found[0].key == 0 and found[0].is_match
    assert found[0].alteration != "photographed"
    assert calls == []


@pytest.mark.parametrize(
    "peaks, flagged",
    [
        ({0: 20.0, 1: 10.0}, [0]),  # twice the other's: stands out
        # Under twice: lattices line up that well. So do flat-colour prints, and the
        # rival passing itself does not excuse it (a design registered twice).
        ({0: 19.0, 1: 10.0}, []),
        ({0: 19.0, 1: 19.0}, []),
        ({0: 10.0, 1: 0.0}, [0]),  # no rival: against an unrelated design's usual 5
        ({0: 9.0, 1: 0.0}, []),
    ],
)
def test_a_photo_pass_counts_only_where_it_stands_out(monkeypatch, peaks, flagged):
    # As item 10's whitened peak: lattices line up with other lattices under some
    # map of the grid, so a pass must be PHOTO_STAND_OUT times every other aligned
    # design's peak (and PHOTO_NULL_Z's).
    query, original, _other = _fingerprints_of_a_photographed_texture()
    index, fps = _registry_of_textures(original)
    key_of = {id(f): k for k, f in fps.items()}

    def aligned(query, candidate, **kwargs):
        z = peaks.get(key_of[id(candidate)], 0.0)
        passing = z >= engine.DETAIL_Z_CLOSE
        return engine._Alignment(z=z, ncc=0.7 if passing else 0.0)

    monkeypatch.setattr(engine, "photo_alignment", aligned)
    found = engine.match(
        query, index, lambda keys: {k: fps[k] for k in keys}, photo=len(fps)
    )
    assert [r.key for r in found if r.is_match] == flagged
    assert all(r.alteration == "photographed" for r in found if r.is_match)


def test_the_quick_search_goes_on_from_its_half_resolution_stage():
    # Engine item 26 makes the half-resolution stage once per pool design to rank
    # them; the chosen designs' search must go on from it exactly as if it ran whole.
    query, original, other = _fingerprints_of_a_photographed_texture()
    starts = engine.photo_starts(query, original)
    assert 0 < len(starts) <= engine.PHOTO_QUICK_STARTS
    peaks = [z for z, _p in starts]
    assert peaks == sorted(peaks, reverse=True)
    # The original's texture lines up at half resolution better than another's.
    assert peaks[0] > engine.photo_starts(query, other)[0][0]
    whole = engine.photo_alignment(query, original, quick=True)
    assert engine.photo_alignment(query, original, quick=True, starts=starts) == whole
    assert whole.value > 0.3
    # Nothing to start from: no alignment, and no search made.
    assert engine.photo_alignment(query, original, quick=True, starts=[]) == (
        engine._Alignment()
    )


def test_a_candidate_too_small_or_without_a_detail_has_no_half_resolution_stage():
    query, original, _other = _fingerprints_of_a_photographed_texture()
    no_detail = _without_detail(original)
    assert engine.photo_starts(query, no_detail) == []
    small = fp.compute(Image.fromarray(suite.synthetic_texture(2)[:60, :60]))
    assert min(small.detail().grey.shape) < 2 * engine.DETAIL_MIN_SIDE
    assert engine.photo_starts(query, small) == []
    assert engine.photo_starts(query, original)


def test_the_photo_stage_aligns_the_designs_whose_half_resolution_search_peaks_best(
    monkeypatch,
):
    # With the embedding and the spectra alike for every design, the half-resolution
    # peaks alone choose which designs get the whole search (and in which order of
    # preference); the others are never aligned.
    query, original, _other = _fingerprints_of_a_photographed_texture()
    index, fps = _registry_of_textures(original)
    key_of = {id(f): k for k, f in fps.items()}
    coarse = {0: 3.0, 1: 9.0, 2: 4.0, 3: 8.0, 4: 5.0}
    flat = np.ones(len(engine._photo_grid()), np.float32)
    monkeypatch.setattr(engine._PhotoQuery, "agreement", lambda self, c: flat)
    monkeypatch.setattr(
        engine,
        "_every_cosine",
        lambda query, fps, cosines: dict.fromkeys(fps, 0.5),
    )
    monkeypatch.setattr(
        engine,
        "photo_starts",
        lambda query, c, agreement=None: [(coarse[key_of[id(c)]], (0.0,) * 4)],
    )
    aligned = []

    def align(query, candidate, **kwargs):
        key = key_of[id(candidate)]
        # The chosen design's own half-resolution stage is handed on, not made again.
        assert kwargs["starts"] == [(coarse[key], (0.0,) * 4)]
        aligned.append(key)
        return engine._Alignment()

    monkeypatch.setattr(engine, "photo_alignment", align)
    engine.match(query, index, lambda keys: {k: fps[k] for k in keys}, photo=2)
    assert sorted(aligned) == [1, 3]


def test_each_on_both_threads_keeps_the_order_and_raises_what_an_item_raised():
    assert engine._each_on_both_threads(lambda n: n * n, range(50)) == [
        n * n for n in range(50)
    ]
    assert engine._each_on_both_threads(lambda n: n, []) == []

    def fails(n):
        if n == 7:
            raise ValueError("seven")
        return n

    with pytest.raises(ValueError, match="seven"):
        engine._each_on_both_threads(fails, range(20))
