"""Every upload field × every hostile file: a clear error, nothing saved, worker alive.

Add each new upload field to UPLOAD_FIELDS; the corpus lives in tests/security/corpus.py.
"""

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse

from designs.models import DesignImage, FabricDesign
from ops import files
from tests.factories import make_design, make_upload, make_user, pattern_png
from tests.security import corpus

pytestmark = pytest.mark.django_db


def design_fields(**extra) -> dict:
    data = {
        "title": "缠枝莲",
        "category": "bedding_set",
        "technique": "print",
        "authors": "李四",
        "created_on": "2025-01-02",
        "originality": "original",
    }
    data.update(extra)
    return data


@dataclass(frozen=True)
class UploadField:
    key: str
    # Log the client in as needed, return (url, form data without the file, file field).
    prepare: Callable[[Client], tuple[str, dict, str]]
    status: int = 200  # the form again; JSON APIs answer 400 with the message


def _merchant(client: Client):
    user = make_user()
    client.force_login(user)
    return user


def _design_new(client):
    _merchant(client)
    return reverse("designs:new"), design_fields(), "new_images"


def _design_edit(client):
    design = make_design(owner=_merchant(client))
    return reverse("designs:edit", args=[design.pk]), design_fields(), "new_images"


def _design_batch(client):
    _merchant(client)
    return reverse("designs:batch"), design_fields(), "images"


def _complaint_data(client) -> dict:
    owner = _merchant(client)
    design = make_design(owner=owner, status=FabricDesign.Status.REGISTERED)
    return {
        "designs": [design.pk],
        "respondent_name": "仿冒家纺店",
        "respondent_stall": "B区2-18",
        "found_place": "南通家纺城 B区",
        "found_on": "2025-09-20",
        "remedy_stop_selling": "on",
        "compensation": "20000",
        "contact_person": "张三",
        "contact_phone": "13800000001",
        "undertaking": "on",
        "draft": "1",
    }


def _complaint_photos(client):
    return reverse("cases:new"), _complaint_data(client), "photos"


def _complaint_receipts(client):
    data = _complaint_data(client)
    data["photos"] = [make_upload("goods.png", seed=5)]
    return reverse("cases:new"), data, "receipts"


def _complaint_more_evidence(client):
    from tests.factories import make_draft_case

    case = make_draft_case(complainant=_merchant(client))
    return reverse("cases:add-evidence", args=[case.pk]), {}, "photos"


def _url_exists(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def _image_search_page(client):
    return reverse("search:image"), {}, "image"


def _image_match_api(client):
    return reverse("api:match"), {}, "image"


UPLOAD_FIELDS = [
    UploadField("design-new", _design_new),
    UploadField("design-edit", _design_edit),
    UploadField("design-batch", _design_batch),
    UploadField("complaint-photos", _complaint_photos),
    UploadField("complaint-receipts", _complaint_receipts),
    UploadField("complaint-add-evidence", _complaint_more_evidence),
]
# Search by image stores nothing, but decodes every upload: the same corpus applies.
if _url_exists("search:image"):
    UPLOAD_FIELDS.append(UploadField("image-search-page", _image_search_page))
if _url_exists("api:match"):
    UPLOAD_FIELDS.append(UploadField("image-match-api", _image_match_api, status=400))


def _state() -> tuple:
    """Rows of every model with a file field, and every file under MEDIA_ROOT."""
    rows = tuple(
        (c.label, c.model._default_manager.count()) for c in files.file_columns()
    )
    media = tuple(sorted(files.media_files(Path(settings.MEDIA_ROOT))))
    from cases.models import Case

    return rows, FabricDesign.objects.count(), Case.objects.count(), media


@pytest.fixture(autouse=True)
def _no_ghostscript():
    # Pillow runs Ghostscript only when an EPS is loaded; it must never get that far.
    with mock.patch(
        "PIL.EpsImagePlugin.Ghostscript", side_effect=AssertionError("Ghostscript ran")
    ) as gs:
        yield
    assert not gs.called


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("field", UPLOAD_FIELDS, ids=lambda f: f.key)
@pytest.mark.parametrize("bad", corpus.bad_files(), ids=lambda h: h.key)
def test_hostile_file_is_refused_and_nothing_is_saved(client, field, bad):
    url, data, file_field = field.prepare(client)
    before = _state()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()

    upload = SimpleUploadedFile(bad.name, bad.data, content_type="image/png")
    # Form views answer 200 with the form; POST-only actions redirect with a message.
    response = client.post(url, {**data, file_field: [upload]}, follow=True)

    assert response.status_code == field.status  # a refusal, not a crash
    if response["Content-Type"].startswith("application/json"):
        shown = " ".join(str(v) for v in response.json().values())
    else:
        shown = response.content.decode()
    assert bad.message in shown
    assert _state() == before
    assert time.monotonic() - started < 10
    # The bomb was refused from its header: no 432 MB decode happened (ru_maxrss, KiB).
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert grown_mib < 150
    # The worker is alive and still serves and stores.
    assert client.get(reverse("designs:list")).status_code == 200


@pytest.mark.parametrize("name", corpus.HOSTILE_NAMES, ids=range(5))
def test_hostile_names_never_choose_where_a_file_goes(client, name, tmp_path):
    url, data, file_field = _design_batch(client)
    upload = make_upload(name, data=pattern_png(21))
    response = client.post(url, {**data, file_field: [upload]})
    assert response.status_code == 302
    stored = DesignImage.objects.get()
    assert stored.image.name == f"designs/{stored.sha256[:2]}/{stored.sha256}.png"
    media_root = Path(settings.MEDIA_ROOT).resolve()
    assert Path(stored.image.path).resolve().is_relative_to(media_root)
    # Nothing appeared next to the media folder either.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media"]
    title = stored.design.title
    assert "/" not in title and "\\" not in title and len(title) <= 200


def test_png_with_appended_html_is_stored_as_pixels_only(client):
    # The lead's decision (designs/images.py): re-encode rather than refuse; the trailing
    # HTML never reaches the disk, and the image is served as image/png with nosniff.
    url, data, file_field = _design_new(client)
    upload = make_upload("x.png", data=corpus.png_with_html())
    assert client.post(url, {**data, file_field: [upload]}).status_code == 302
    stored = DesignImage.objects.get()
    content = Path(stored.image.path).read_bytes()
    assert b"<html" not in content and b"<script" not in content
    response = client.get(reverse("designs:image", args=[stored.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"<script" not in b"".join(response.streaming_content)
