"""The image-match engine on its own: fingerprints, index, verification (no database)."""

import io
from pathlib import Path

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


def test_load_image_decodes_a_large_jpeg_at_reduced_size():
    data = suite.jpeg_bytes(suite.synthetic_pattern(3, 2000))
    image = fp.load_image(io.BytesIO(data))
    assert image.mode == "RGB"
    # draft() decoded at 1/4 scale: nothing close to 2000 px was allocated.
    assert fp.WORK_SIDE <= max(image.size) < 1000


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
