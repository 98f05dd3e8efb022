"""Engine item 23: a JPEG copy of a registered file, told by its own quantisation."""

import io

import numpy as np
import pytest
from PIL import Image

from search import engine, jpegcopy
from search import fingerprint as fp
from search import match_suite as suite
from tests.search.test_match_engine import faint_texture


def jpeg(array: np.ndarray, quality: int) -> np.ndarray:
    return suite._jpeg(np.ascontiguousarray(array), quality)


def coefficients(rgb: np.ndarray) -> np.ndarray:
    return jpegcopy.blocks(jpegcopy.luma(rgb)).reshape(-1, 64)


@pytest.mark.parametrize("quality", [30, 50, 75])
def test_the_table_is_read_from_the_decoded_pixels(quality):
    tile = faint_texture(1, 256, 8.0)
    copy = coefficients(jpeg(tile, quality))
    read = jpegcopy.read_tables(copy)[0]
    truth = jpegcopy.ijg_table(quality)
    # A neighbouring quality's table may be read (steps 1 apart where the copy has
    # no coefficients to tell them): what matters is that the file, rounded by the
    # table read, gives the copy's levels.
    assert np.abs(read - truth).max() <= 0.05 * truth.max()
    levels = np.round(copy / read)
    assert np.mean(np.round(coefficients(tile) / read) == levels) > 0.99


def test_only_a_heavy_compression_is_tried():
    tile = faint_texture(1, 256, 8.0)
    assert jpegcopy.Query.of(jpeg(tile, 30)) is not None
    assert jpegcopy.Query.of(jpeg(tile, 55)) is not None
    assert jpegcopy.Query.of(jpeg(tile, 70)) is None
    assert jpegcopy.read_tables(coefficients(jpeg(tile, 70)))  # read, but light
    # A copy at quality 70 is the other witnesses' (and a phone photo never pays).
    tiles = {0: tile, 1: faint_texture(2, 256, 8.0)}
    index, fps = texture_registry(tiles)
    query = fp.compute_query(Image.fromarray(jpeg(tiles[0], 70)))

    def pixels(key):
        raise AssertionError("decoded a registered file for a light compression")

    found = engine.match(
        query, index, lambda keys: {k: fps[k] for k in keys}, pixels=pixels
    )
    assert found[0].key == 0 and found[0].is_match


def test_pixels_that_were_never_a_jpeg_show_no_table():
    assert jpegcopy.read_tables(coefficients(faint_texture(1, 256, 8.0))) == []
    assert jpegcopy.Query.of(suite.synthetic_texture(3)) is None
    # Too small to hold enough blocks, or all blocks clipped: nothing to read.
    assert jpegcopy.Query.of(jpeg(faint_texture(1, 24, 8.0), 30)) is None
    white = np.full((256, 256, 3), 255, np.uint8)
    assert jpegcopy.Query.of(jpeg(white, 30)) is None


def test_a_jpeg_copy_is_told_from_its_file_and_from_no_other():
    tiles = [faint_texture(seed, 256, 4.0) for seed in (1, 2, 3)]
    copy = jpegcopy.Query.of(jpeg(tiles[0], 30))
    own = copy.evidence(tiles[0])
    assert own.nats >= jpegcopy.NATS
    assert own.explained >= jpegcopy.EXPLAINED  # it explains the copy
    assert own.nats == pytest.approx(own.explained * copy.most)
    assert own.shift == (0, 0) and own.coverage == 1.0
    for other in tiles[1:]:
        assert copy.evidence(other).nats < -jpegcopy.NATS
    # The evidence is a likelihood ratio: far above the bar, the score near 1.
    assert jpegcopy.score(jpegcopy.NATS) == 0.5
    assert jpegcopy.score(own.nats) > 0.9


def test_a_cropped_jpeg_copy_is_found_where_it_was_cut():
    # A crop off the 8-pixel grid, wrapping round the tile's edge: the copy's blocks
    # start at (37, 203) of the file.
    tile = faint_texture(4, 256, 4.0)
    wrapped = np.tile(tile, (2, 2, 1))[37 : 37 + 150, 203 : 203 + 170]
    copy = jpegcopy.Query.of(jpeg(wrapped, 40))
    found = copy.evidence(tile)
    assert found.shift == (37, 203)
    assert found.nats >= jpegcopy.NATS
    assert found.coverage == pytest.approx(144 * 168 / 256**2)
    assert copy.evidence(faint_texture(5, 256, 4.0)).nats < 0


def test_a_copy_re_saved_finer_is_read_by_its_first_rounding():
    # Every upload is stored re-saved at quality 92 (designs.images): the file's own
    # table is then 92's, but the pixels still sit on 30's steps.
    tile = faint_texture(7, 256, 4.0)
    resaved = jpeg(jpeg(tile, 30), 92)
    by_file = jpegcopy.Query.of(resaved, jpegcopy.ijg_table(92))
    # the pixels' reading first (30's table), the file's own last
    assert np.array_equal(by_file.readings[0].table, jpegcopy.ijg_table(30))
    assert np.array_equal(by_file.readings[-1].table, jpegcopy.ijg_table(92))
    assert by_file.evidence(tile).explained >= jpegcopy.EXPLAINED


def test_a_flat_copy_says_too_little_to_count():
    # A grain JPEG 30 flattens to one level of block means is nobody's copy.
    flat = np.full((256, 256, 3), 180, np.uint8)
    copy = jpegcopy.Query.of(jpeg(flat, 30))
    assert copy is None or copy.most < jpegcopy.NATS


def jpeg_file(array: np.ndarray, quality: int, **save) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(
        out, "JPEG", quality=quality, **save
    )
    return out.getvalue()


def test_a_jpeg_files_own_table_is_kept_and_a_reduced_decode_is_redone_whole():
    tile = faint_texture(6, 2000, 4.0)
    data = jpeg_file(tile, 35)
    upload = io.BytesIO(data)
    image = fp.load_image(upload)
    assert max(image.size) < 1000  # draft() decoded it reduced, as before
    upload.read()  # the upload read on by someone else: decoded from its start again
    assert np.array_equal(image.info[fp.SOURCE_TABLE], jpegcopy.ijg_table(35))
    query = fp.compute_query(image)
    code = query.jpeg()  # decoded again at the file's size, on first use only
    assert (code.rows, code.cols) == (250, 250)
    assert query.jpeg() is code
    assert code.evidence(tile).nats >= jpegcopy.NATS


def test_a_picture_turned_by_its_exif_orientation_is_not_read_as_a_copy():
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned a quarter: its JPEG blocks are not its pixels'
    data = jpeg_file(faint_texture(6, 256, 4.0), 30, exif=exif)
    query = fp.compute_query(fp.load_image(io.BytesIO(data)))
    assert query.jpeg is None
    # The registry's fingerprints never carry it, and it is not stored.
    registered = fp.compute(fp.load_image(io.BytesIO(data)))
    assert registered.jpeg is None
    assert fp.Fingerprint.from_bytes(registered.to_bytes()) == registered


def texture_registry(tiles: dict[int, np.ndarray]):
    fps = {key: fp.compute(Image.fromarray(tile)) for key, tile in tiles.items()}
    index = engine.MatchIndex()
    for key, f in fps.items():
        index.add(key, f.vector)
    return index, fps


def test_the_search_flags_a_jpeg_copy_the_other_witnesses_miss():
    # A grain of two grey levels (256 px): JPEG 30 leaves too little for the correlations and
    # the detail, but the file itself predicts every level the copy kept.
    tiles = {
        key: faint_texture(seed, 256, 2.0) for key, seed in enumerate((11, 12, 13))
    }
    index, fps = texture_registry(tiles)
    query = fp.compute_query(Image.fromarray(jpeg(tiles[0], 30)))

    def search(**kwargs) -> list[engine.Result]:
        return engine.match(
            query, index, lambda keys: {k: fps[k] for k in keys}, **kwargs
        )

    assert not any(r.is_match for r in search())
    asked = []

    def pixels(key: int) -> np.ndarray:
        asked.append(key)
        return tiles[key]

    found = search(pixels=pixels)
    assert found[0].key == 0 and found[0].is_match
    assert found[0].alteration == "recompressed"
    code = query.jpeg()
    evidence = code.evidence(tiles[0])
    assert found[0].score == round(jpegcopy.score(evidence.nats), 4) > 0.6
    assert not any(r.is_match for r in found[1:])
    # It explained the copy: no other file was decoded after it.
    assert asked[-1] == 0


def test_the_jpeg_witness_flags_no_unrelated_copy_and_survives_a_missing_file():
    tiles = {
        key: faint_texture(seed, 256, 2.0) for key, seed in enumerate((11, 12, 13))
    }
    index, fps = texture_registry(tiles)
    unrelated = fp.compute_query(Image.fromarray(jpeg(faint_texture(14, 256, 2.0), 30)))
    found = engine.match(
        unrelated, index, lambda keys: {k: fps[k] for k in keys}, pixels=tiles.get
    )
    assert found and not any(r.is_match for r in found)
    # A registered file gone from storage is no evidence either way.
    copy = fp.compute_query(Image.fromarray(jpeg(tiles[0], 30)))
    found = engine.match(
        copy, index, lambda keys: {k: fps[k] for k in keys}, pixels=lambda key: None
    )
    assert not any(r.is_match for r in found)


def test_the_jpeg_witness_is_not_run_when_the_search_already_matches(monkeypatch):
    tiles = {
        key: faint_texture(seed, 256, 8.0) for key, seed in enumerate((11, 12, 13))
    }
    index, fps = texture_registry(tiles)
    query = fp.compute_query(Image.fromarray(tiles[1][:, ::-1].copy()))

    def pixels(key: int) -> np.ndarray:
        raise AssertionError("decoded a registered file for a query already matched")

    found = engine.match(
        query, index, lambda keys: {k: fps[k] for k in keys}, pixels=pixels
    )
    assert found[0].key == 1 and found[0].is_match


def test_the_jpeg_witness_reaches_past_the_fetched_designs_but_not_the_hidden():
    # Registries rank a heavy JPEG's original low: the witness fetches the
    # embedding's next JPEG_REACH designs for itself - never one `visible` hides.
    seeds = (11, 12, 13, 14, 15, 16)
    tiles = {key: faint_texture(seed, 256, 2.0) for key, seed in enumerate(seeds)}
    index, fps = texture_registry(tiles)
    query = fp.compute_query(Image.fromarray(jpeg(tiles[0], 30)))
    fetched, decoded = [], []

    def features(keys):
        fetched.extend(keys)
        return {k: fps[k] for k in keys}

    def pixels(key):
        decoded.append(key)
        return tiles[key]

    narrow = dict(shortlist=1, embedded=1, detail_only=0, top=1)
    engine.match(query, index, features, **narrow)
    assert 0 not in fetched  # the narrow lists alone never fetch the original

    hidden = {0}

    def visible(keys):
        return {k for k in keys if k not in hidden}

    fetched.clear()
    found = engine.match(
        query, index, features, visible=visible, pixels=pixels, **narrow
    )
    assert 0 not in fetched and 0 not in decoded
    assert not any(r.is_match for r in found)

    found = engine.match(query, index, features, pixels=pixels, **narrow)
    assert 0 in fetched and 0 in decoded
    assert found[0].key == 0 and found[0].alteration == "recompressed"


def test_the_files_origin_is_tried_first_and_alone_for_a_large_file(monkeypatch):
    tile = faint_texture(4, 256, 4.0)
    whole = jpegcopy.Query.of(jpeg(tile, 30))
    cut = jpegcopy.Query.of(jpeg(np.tile(tile, (2, 2, 1))[37:187, 203:373], 40))
    looked = []
    real = jpegcopy.Query._shifts
    monkeypatch.setattr(
        jpegcopy.Query, "_shifts", lambda self, y: looked.append(1) or real(self, y)
    )
    # The whole file copied: its origin explains it, no place is looked for.
    assert whole.evidence(tile).explained >= jpegcopy.EXPLAINED and not looked
    assert cut.evidence(tile).nats >= jpegcopy.NATS and looked
    # In a file too large for the correlations, only the whole file is looked for.
    monkeypatch.setattr(jpegcopy, "PLACES_MAX_PIXELS", 128 * 128)
    looked.clear()
    assert whole.evidence(tile).nats >= jpegcopy.NATS
    assert cut.evidence(tile).nats < jpegcopy.NATS and not looked


def test_an_origin_that_explains_a_few_levels_is_not_taken_for_the_copy(monkeypatch):
    # A coarse table's reading has few levels, which the file's origin may "explain"
    # whole without passing: the places must still be looked for (cartographer's
    # crop 70% + JPEG 30 was lost so).
    tile = faint_texture(4, 256, 4.0)
    cut = jpegcopy.Query.of(jpeg(np.tile(tile, (2, 2, 1))[37:187, 203:373], 40))
    real = jpegcopy.Query._counted

    def counted(self, y, places, coverage):
        if places == [(0, 0)]:
            return jpegcopy.Evidence(60.0, (0, 0), coverage, 1.0)
        return real(self, y, places, coverage)

    monkeypatch.setattr(jpegcopy.Query, "_counted", counted)
    found = cut.evidence(tile)
    assert found.shift == (37, 203) and found.nats >= jpegcopy.NATS


def test_a_file_that_cannot_be_read_whole_gives_no_pixels(monkeypatch, tmp_path):
    assert fp.file_pixels(io.BytesIO(b"not an image")) is None
    assert fp.file_pixels(tmp_path / "gone.png") is None
    monkeypatch.setattr(fp, "SOURCE_MAX_PIXELS", 255 * 255)
    assert fp.file_pixels(io.BytesIO(jpeg_file(faint_texture(1, 256, 4.0), 30))) is None
    # A reduced upload closed before the witness asks: no pixels, no error.
    upload = io.BytesIO(jpeg_file(faint_texture(6, 2000, 4.0), 35))
    image = fp.load_image(upload)
    upload.close()
    assert fp.compute_query(image).jpeg() is None
