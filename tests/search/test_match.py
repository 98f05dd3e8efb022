"""Image match through Django: fingerprint rows, the process index, CLI, API, page."""

import datetime
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from PIL import Image

from accounts import roles
from designs import services as design_services
from designs.images import clean_image_bytes
from designs.models import FabricDesign
from search import fingerprint, matching, services
from search import match_suite as suite
from search.management.commands.eval_match import Command as EvalMatch
from search.models import ImageFingerprint
from tests.factories import make_staff, make_user

pytestmark = pytest.mark.django_db

PATTERNS = Path(__file__).resolve().parent.parent / "data" / "patterns"


@pytest.fixture(autouse=True)
def _fresh_index():
    # Each test's rows roll back (and SQLite reuses their ids): start from nothing.
    matching.reset_index()
    yield
    matching.reset_index()


def png(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(out, "PNG")
    return out.getvalue()


def pattern(name: str) -> np.ndarray:
    with Image.open(PATTERNS / name) as image:
        return np.asarray(image.convert("RGB"))


def make_registered(name: str, capture, *, status=FabricDesign.Status.REGISTERED):
    """Store a design with one of the test patterns, running the on-commit work."""
    owner = make_user()
    with capture(execute=True):
        design = design_services.create_design(
            owner=owner,
            images=[clean_image_bytes((PATTERNS / name).read_bytes(), name=name)],
            title=f"花型 {name}",
            category=FabricDesign.Category.BEDDING_SET,
            technique=FabricDesign.Technique.PRINT,
            authors="张三",
            created_on=datetime.date(2025, 3, 1),
        )
        if status == FabricDesign.Status.REGISTERED:
            design = design_services.submit_design(design, by=owner)
            design = design_services.register_design(
                design, by=make_staff(roles.INTAKE)
            )
    return design


@pytest.fixture
def registry(django_capture_on_commit_callbacks):
    return [
        make_registered(name, django_capture_on_commit_callbacks)
        for name in ("hero-leaf.png", "hero-floatingCogs.png", "hero-pieFactory.png")
    ]


def altered_leaf() -> bytes:
    recoloured = suite.duotone(pattern("hero-leaf.png"), np.random.default_rng(3))
    return png(suite.crop(recoloured[:, ::-1], 0.7))


def test_storing_an_image_stores_its_fingerprint(registry):
    design = registry[0]
    row = ImageFingerprint.objects.get(design=design)
    assert row.image == design.primary_image
    assert row.algorithm == fingerprint.ALGORITHM_VERSION
    assert row.sha256 == design.primary_image.sha256
    assert len(bytes(row.vector)) == fingerprint.VECTOR_BITS // 8


def test_mirrored_recoloured_cropped_copy_comes_back_first(registry):
    matches = services.find_similar(io.BytesIO(altered_leaf()))
    assert matches[0].design == registry[0]
    assert matches[0].is_match
    assert matches[0].alteration == "mirrored, recoloured, cropped"
    assert [m.is_match for m in matches[1:]] == [False] * (len(matches) - 1)


def test_a_design_with_two_near_identical_images_is_still_found(
    django_capture_on_commit_callbacks,
):
    # The original upload and a re-saved JPEG of it: one design, two fingerprints that
    # must not cancel each other out as rivals.
    leaf = (PATTERNS / "hero-leaf.png").read_bytes()
    resaved = io.BytesIO()
    Image.open(io.BytesIO(leaf)).convert("RGB").save(resaved, "JPEG", quality=90)
    owner = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        design = design_services.create_design(
            owner=owner,
            images=[
                clean_image_bytes(leaf, name="leaf.png"),
                clean_image_bytes(resaved.getvalue(), name="leaf.jpg"),
            ],
            title="缠枝叶",
            category=FabricDesign.Category.BEDDING_SET,
            technique=FabricDesign.Technique.PRINT,
            authors="张三",
            created_on=datetime.date(2025, 3, 1),
        )
        design = design_services.submit_design(design, by=owner)
        design = design_services.register_design(design, by=make_staff(roles.INTAKE))
    make_registered("hero-pieFactory.png", django_capture_on_commit_callbacks)
    assert ImageFingerprint.objects.filter(design=design).count() == 2
    matches = services.find_similar(io.BytesIO(altered_leaf()))
    assert matches[0].design == design
    assert matches[0].is_match


def test_unrelated_image_is_not_flagged(registry):
    unrelated = png(suite.synthetic_pattern(11, 400, repeat=100))
    matches = services.find_similar(io.BytesIO(unrelated))
    assert not any(m.is_match for m in matches)


def test_public_search_sees_only_registered_designs(
    registry, django_capture_on_commit_callbacks
):
    draft = make_registered(
        "hero-churchOnSunday.png",
        django_capture_on_commit_callbacks,
        status=FabricDesign.Status.DRAFT,
    )
    query = PATTERNS / "hero-churchOnSunday.png"
    assert draft not in [m.design for m in services.find_similar(query)]
    review = services.find_similar(query, include_unregistered=True)
    assert review[0].design == draft and review[0].is_match


def test_index_picks_up_a_new_registration_without_reloading(
    registry, django_capture_on_commit_callbacks
):
    query = PATTERNS / "hero-churchOnSunday.png"
    assert not any(m.is_match for m in services.find_similar(query))
    index = matching.get_index()
    before = len(index)

    design = make_registered(
        "hero-churchOnSunday.png", django_capture_on_commit_callbacks
    )

    matches = services.find_similar(query)
    assert matches[0].design == design and matches[0].is_match
    assert matching.get_index() is index  # topped up, not rebuilt
    assert len(index) == before + 1


def test_rebuild_fingerprints_recomputes_every_image(registry):
    old = set(ImageFingerprint.objects.values_list("pk", flat=True))
    out = io.StringIO()
    call_command("rebuild_fingerprints", "--all", "--no-progress", stdout=out)
    assert "Fingerprinted 3 images" in out.getvalue()
    new = set(ImageFingerprint.objects.values_list("pk", flat=True))
    assert len(new) == 3 and not old & new
    assert services.find_similar(io.BytesIO(altered_leaf()))[0].design == registry[0]


def test_match_image_prints_one_json_line_per_file_and_survives_bad_ones(
    registry, tmp_path
):
    good = tmp_path / "copy.png"
    good.write_bytes(altered_leaf())
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    out = io.StringIO()
    call_command(
        "match_image",
        str(good),
        str(bad),
        str(tmp_path / "missing.jpg"),
        "--top",
        "2",
        stdout=out,
    )
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["query"] for line in lines] == [
        str(good),
        str(bad),
        str(tmp_path / "missing.jpg"),
    ]
    first = lines[0]["matches"]
    assert len(first) == 2
    assert first[0] == {
        "registration_no": registry[0].registration_no,
        "title": registry[0].title,
        "score": first[0]["score"],
        "is_match": True,
        "alteration": "mirrored, recoloured, cropped",
    }
    assert "not a JPEG, PNG or WebP image" in lines[1]["error"]
    assert "No such file" in lines[2]["error"]


def test_api_returns_the_same_json(client, registry):
    upload = io.BytesIO(altered_leaf())
    upload.name = "copy.png"
    response = client.post(reverse("api:match"), {"image": upload})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "copy.png"
    assert body["matches"][0]["registration_no"] == registry[0].registration_no
    assert body["matches"][0]["is_match"] is True
    assert 0.5 < body["matches"][0]["score"] <= 1


def test_api_rejects_bad_uploads_clearly(client, settings):
    response = client.post(reverse("api:match"))
    assert response.status_code == 400
    assert "image" in response.json()["error"]
    bad = io.BytesIO(b"GIF89a not really")
    bad.name = "x.png"
    response = client.post(reverse("api:match"), {"image": bad})
    assert response.status_code == 400
    assert "not a JPEG, PNG or WebP image" in response.json()["error"]
    settings.MAX_UPLOAD_MB = 1
    big = io.BytesIO(b"\0" * (1024 * 1024 + 10))
    big.name = "big.jpg"
    response = client.post(reverse("api:match"), {"image": big})
    assert response.status_code == 400
    assert "1 MB" in response.json()["error"]


def test_api_is_rate_limited_per_client(client, settings, limiter_clock):
    settings.API_RATE_LIMIT = 2
    codes = [client.post(reverse("api:match")).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    other = client.post(reverse("api:match"), REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 400


def test_search_page_shows_query_and_candidates_side_by_side(client, registry):
    page = client.get(reverse("search:image"))
    assert 'accept="image/*"' in page.content.decode()
    upload = io.BytesIO(altered_leaf())
    upload.name = "copy.png"
    response = client.post(reverse("search:image"), {"image": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "data:image/jpeg;base64," in html
    assert registry[0].registration_no in html
    assert "%" in html
    assert "mirrored, recoloured, cropped" in html
    # In Chinese (the center's default), the alteration is translated too.
    upload.seek(0)
    chinese = client.post(
        reverse("search:image"), {"image": upload}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "镜像、换色、裁切" in chinese
    assert "mirrored" not in chinese


def eval_mirror(folder: Path) -> dict:
    """eval_match's JSON table for the mirror alteration alone, in this process."""
    out = io.StringIO()
    call_command(
        "eval_match",
        str(folder),
        "--json",
        "--jobs",
        "1",
        "--alteration",
        "mirror",
        "--no-progress",
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_eval_match_reports_engine_and_baselines(tmp_path):
    table = eval_mirror(PATTERNS)
    assert set(table["methods"]) == {"engine", "phash", "pdq8"}
    assert table["methods"]["engine"]["recall_at_5"]["mirror"] == 1.0
    with pytest.raises(CommandError):
        call_command("eval_match", str(tmp_path))


def test_eval_match_registers_fillers_and_counts_a_flag_on_one_as_false(tmp_path):
    from search import match_eval

    for p in PATTERNS.glob("*.png"):
        shutil.copy(p, tmp_path / p.name)
    # A distractor that is the first filler itself: its mirrored copy must flag that
    # filler, and the flag must be counted as one on a filler (not audited as a copy
    # of a folder design, which a filler is not).
    name = next(
        n for n in (f"z-{i}.png" for i in range(100)) if suite.split([Path(n)])[1]
    )
    filler = suite.synthetic_texture(match_eval.FILLER_SEED)
    Image.fromarray(filler).save(tmp_path / name)
    out = io.StringIO()
    call_command(
        "eval_match",
        str(tmp_path),
        "--json",
        "--jobs",
        "1",
        "--alteration",
        "mirror",
        "--fillers",
        "3",
        "--no-progress",
        stdout=out,
    )
    table = json.loads(out.getvalue())
    registered, distractors = suite.split(match_eval.pattern_files(tmp_path))
    assert (table["registered"], table["fillers"]) == (len(registered), 3)
    rates = table["methods"]["engine"]["flagged_filler_rate"]
    assert rates["distractor_queries"] == pytest.approx(1 / len(distractors))
    assert rates["registered_queries"] == 0.0
    assert table["methods"]["engine"]["recall_at_5"]["mirror"] == 1.0
    assert name not in table["methods"]["engine"]["derived_distractors"]
    assert "3 generated fillers registered" in EvalMatch.format(table)
    rows = tmp_path / "rows.jsonl"
    with pytest.raises(CommandError, match="--fillers must be 0 or more"):
        call_command(
            "eval_match", str(tmp_path), "--fillers", "-1", "--rows", str(rows)
        )
    assert not rows.exists()  # refused before anything ran or was written


def test_bench_match_prints_the_speed_keys():
    out = io.StringIO()
    call_command(
        "bench_match", "--designs", "2000", "--repeat", "2", "--json", stdout=out
    )
    result = json.loads(out.getvalue())
    for key in (
        "designs",
        "fingerprint_ms_median",
        "candidate_ms_median",
        "bruteforce_ms_median",
        "query_ms_median",
        "query_ms_p95",
        "index_mb",
    ):
        assert key in result
    assert result["designs"] == 2000
    assert result["blas_threads"] == [1]
    assert result["photo"] == 0
    out = io.StringIO()
    call_command(
        "bench_match",
        *("--designs", "2000", "--repeat", "1", "--photo", "2", "--json"),
        stdout=out,
    )
    photo = json.loads(out.getvalue())
    # The bench's photo matches none of its designs, so the photo stage is timed.
    assert photo["photo"] == 2 and photo["query_matched"] is False


def test_pixel_similarity_tells_a_rescaled_recolour_from_an_unrelated_pattern():
    from search import match_eval

    def grey(name: str, side: int) -> np.ndarray:
        with Image.open(PATTERNS / name) as image:
            return np.asarray(image.convert("L").resize((side, side)), np.float32)

    leaf = grey("hero-leaf.png", 160)
    with Image.open(PATTERNS / "hero-leaf.png") as image:
        rgb = np.asarray(image.convert("RGB").resize((160, 160)))
    copy = suite.hue(suite.resize(rgb, 0.84), 180)
    copy_grey = np.asarray(Image.fromarray(copy).convert("L"), np.float32)
    corr, scale = match_eval.pixel_similarity(copy_grey, leaf)
    assert corr >= match_eval.DERIVED_CORRELATION
    assert 0.8 < scale < 0.88
    unrelated, _scale = match_eval.pixel_similarity(
        grey("hero-pieFactory.png", 160), leaf
    )
    # Crisp two-colour prints share edges at some scale (0.12-0.17 here), well short
    # of the cut-off.
    assert unrelated < match_eval.DERIVED_CORRELATION / 1.5


def test_stale_fingerprints_are_reported_until_rebuilt(registry):
    from search.apps import check_fingerprint_version

    assert check_fingerprint_version(None, databases=["default"]) == []
    ImageFingerprint.objects.filter(design=registry[1]).update(algorithm="old-1")
    (warning,) = check_fingerprint_version(None, databases=["default"])
    assert warning.id == "search.W001" and warning.msg.startswith("1 design images")
    # Without a database the check has nothing to read (plain `manage.py check`).
    assert check_fingerprint_version(None) == []
    # The match ignores the stale row: that design cannot be found ...
    matching.reset_index()
    cogs = png(pattern("hero-floatingCogs.png"))
    found = services.find_similar(io.BytesIO(cogs))
    assert registry[1] not in [m.design for m in found]
    call_command("rebuild_fingerprints", "--no-progress", stdout=io.StringIO())
    assert check_fingerprint_version(None, databases=["default"]) == []
    assert ImageFingerprint.objects.filter(algorithm="old-1").count() == 0
    # ... until rebuild_fingerprints has recomputed it.
    assert services.find_similar(io.BytesIO(cogs))[0].design == registry[1]


def test_eval_match_breaks_recall_down_by_source_folder(tmp_path):
    # Two source folders: the table says how the engine does on each kind of image.
    files = sorted(PATTERNS.glob("*.png"))
    for n, path in enumerate(files):
        folder = tmp_path / ("prints" if n % 2 else "textures")
        folder.mkdir(exist_ok=True)
        shutil.copy(path, folder / path.name)
    table = eval_mirror(tmp_path)
    by_source = table["methods"]["engine"]["recall_by_source"]
    # The split by name hash registers one design of each folder.
    assert table["registered"] == 2
    assert set(by_source) == {"prints", "textures"}
    assert [s["designs"] for s in by_source.values()] == [1, 1]
    for info in by_source.values():
        assert info["recall_at_5"]["mirror"] == info["mean_recall_at_5"] == 1.0
    text = EvalMatch.format(table)
    assert "by source folder" in text
    assert "prints: 1 registered designs, 1.000" in text


def test_eval_match_refuses_queries_without_a_registered_image(tmp_path):
    # Every fourth image from the second: hero-floatingCogs alone, a distractor.
    rows = tmp_path / "rows.jsonl"
    rows.write_text("earlier run\n")
    with pytest.raises(CommandError, match="None of the queried images is registered"):
        call_command(
            "eval_match",
            str(PATTERNS),
            "--every",
            "4",
            "--offset",
            "1",
            "--jobs",
            "1",
            "--rows",
            str(rows),
            "--no-progress",
        )
    assert rows.read_text() == "earlier run\n"


def test_compare_with_design_scores_one_design_closely(
    registry, django_capture_on_commit_callbacks
):
    # A market photo of a faint texture, which the pair's quick witnesses miss
    # (tests/search/test_match_engine.py): the close comparison with the design a
    # complainant names confirms it (engine item 17).
    texture = suite.synthetic_texture(2)
    owner = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        design = design_services.create_design(
            owner=owner,
            images=[clean_image_bytes(png(texture), name="texture.png")],
            title="细纹理",
            category=FabricDesign.Category.FABRIC,
            technique=FabricDesign.Technique.PRINT,
            authors="张三",
            created_on=datetime.date(2025, 3, 1),
        )
    photo = png(suite.market_photo(texture, np.random.default_rng(2)))
    close = services.compare_with_design(io.BytesIO(photo), design)
    assert close.design == design and close.image == design.primary_image
    assert close.is_match and close.alteration == "photographed"
    # The design's key does as well as the design (a case's report keeps keys).
    by_key = services.compare_with_design(io.BytesIO(photo), design.pk)
    assert (by_key.design, by_key.score) == (design, close.score)
    # Another design is not confirmed by the same photo.
    unrelated = services.compare_with_design(io.BytesIO(photo), registry[0])
    assert unrelated.design == registry[0] and not unrelated.is_match
    # A design without a fingerprinted image gives nothing to compare.
    ImageFingerprint.objects.filter(design=design).delete()
    assert services.compare_with_design(io.BytesIO(photo), design) is None


def register_texture(
    seed: int, capture, image: np.ndarray | None = None
) -> FabricDesign:
    """Register a generated texture (or `image`) as its owner's design."""
    owner = make_user()
    if image is None:
        image = suite.synthetic_texture(seed)
    with capture(execute=True):
        design = design_services.create_design(
            owner=owner,
            images=[clean_image_bytes(png(image), name=f"texture-{seed}.png")],
            title=f"细纹理 {seed}",
            category=FabricDesign.Category.FABRIC,
            technique=FabricDesign.Technique.PRINT,
            authors="张三",
            created_on=datetime.date(2025, 3, 1),
        )
        design = design_services.submit_design(design, by=owner)
        return design_services.register_design(design, by=make_staff(roles.INTAKE))


def test_a_photo_of_fabric_is_found_where_the_search_is_asked_to_look_harder(
    client, django_capture_on_commit_callbacks, tmp_path
):
    # A market photo of a registered faint texture among look-alike textures: the
    # registry's witnesses miss it; the photo option aligns the embedding's best
    # designs as a photo of the print (engine.match(photo=...)), on the page (ticked
    # by default), the API (photo=1) and match_image --photo.
    design = register_texture(2, django_capture_on_commit_callbacks)
    for seed in (101, 102, 104):
        register_texture(seed, django_capture_on_commit_callbacks)
    photo = png(
        suite.market_photo(suite.synthetic_texture(2), np.random.default_rng(2))
    )

    plain = services.find_similar(io.BytesIO(photo))
    assert not any(m.is_match for m in plain)
    harder = services.find_similar(io.BytesIO(photo), photo=True)
    assert harder[0].design == design and harder[0].is_match
    assert harder[0].alteration == "photographed"
    assert not any(m.is_match for m in harder[1:])

    page = client.get(reverse("search:image")).content.decode()
    assert 'name="photo"' in page and "checked" in page
    upload = io.BytesIO(photo)
    upload.name = "stall.png"
    html = client.post(
        reverse("search:image"),
        {"image": upload, "photo": "on"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert design.registration_no in html and "实拍" in html
    assert "这是布料实拍照片" in html  # the option, translated
    upload.seek(0)
    unticked = client.post(reverse("search:image"), {"image": upload}).content.decode()
    assert "photographed" not in unticked and design.registration_no in unticked

    upload.seek(0)
    body = client.post(reverse("api:match"), {"image": upload, "photo": "1"}).json()
    assert body["matches"][0]["registration_no"] == design.registration_no
    assert body["matches"][0]["alteration"] == "photographed"
    upload.seek(0)
    body = client.post(reverse("api:match"), {"image": upload}).json()
    assert not any(m["is_match"] for m in body["matches"])

    path = tmp_path / "stall.png"
    path.write_bytes(photo)
    out = io.StringIO()
    call_command("match_image", str(path), "--photo", "--top", "1", stdout=out)
    line = json.loads(out.getvalue())
    assert line["matches"][0]["registration_no"] == design.registration_no
    assert line["matches"][0]["alteration"] == "photographed"


def test_eval_match_refuses_a_negative_photo_count(tmp_path):
    rows = tmp_path / "rows.jsonl"
    with pytest.raises(CommandError, match="--photo must be 0 or more"):
        call_command("eval_match", str(PATTERNS), "--photo", "-1", "--rows", str(rows))
    assert not rows.exists()  # refused before anything was written


def register_faint_grain(seed: int, capture) -> FabricDesign:
    from tests.search.test_match_engine import faint_texture

    return register_texture(seed, capture, faint_texture(seed, 256, 2.0))


def test_a_jpeg_copy_of_a_registered_file_is_found_from_its_stored_file(
    client, django_capture_on_commit_callbacks
):
    # A shop's product picture saved at JPEG quality 30 from a registered grain of
    # two grey levels: the quick witnesses miss it, the stored file itself explains
    # every level the copy kept (engine item 23) - on the page, the API, and a
    # complaint's close comparison.
    from tests.search.test_match_engine import faint_texture

    design = register_faint_grain(11, django_capture_on_commit_callbacks)
    for seed in (12, 13):
        register_faint_grain(seed, django_capture_on_commit_callbacks)
    out = io.BytesIO()
    Image.fromarray(faint_texture(11, 256, 2.0)).save(out, "JPEG", quality=30)
    copy = out.getvalue()

    found = services.find_similar(io.BytesIO(copy))
    assert found[0].design == design and found[0].is_match
    assert found[0].alteration == "recompressed"
    assert not any(m.is_match for m in found[1:])
    close = services.compare_with_design(io.BytesIO(copy), design)
    assert close.is_match and close.alteration == "recompressed"

    upload = io.BytesIO(copy)
    upload.name = "shop.jpg"
    html = client.post(
        reverse("search:image"), {"image": upload}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert design.registration_no in html and "原图压缩副本" in html
    upload.seek(0)
    body = client.post(reverse("api:match"), {"image": upload}).json()
    assert body["matches"][0]["registration_no"] == design.registration_no
    assert body["matches"][0]["alteration"] == "recompressed"

    # The stored file gone (storage lost it): no evidence, and no error either.
    design.images.get().image.delete(save=False)
    matching.reset_index()
    found = services.find_similar(io.BytesIO(copy))
    assert not any(m.is_match for m in found)
