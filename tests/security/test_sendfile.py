"""Images and evidence only through permission-checked views; the proxy may send them."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from designs.models import FabricDesign
from tests.factories import make_case, make_design, make_user

pytestmark = pytest.mark.django_db


def test_media_files_have_no_public_url(client):
    design = make_design(status=FabricDesign.Status.REGISTERED)
    name = design.images.get().image.name
    assert (Path(settings.MEDIA_ROOT) / name).is_file()
    for prefix in ("/media/", "/" + settings.MEDIA_URL.lstrip("/")):
        assert client.get(prefix + name).status_code == 404


def test_draft_image_is_streamed_to_its_owner_only(client):
    design = make_design()
    image = design.images.get()
    url = reverse("designs:image", args=[image.pk])
    assert client.get(url).status_code == 404
    client.force_login(design.owner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(image.image.path).read_bytes()
    assert response["Cache-Control"] == "private, max-age=3600"


def test_nginx_sends_the_file_after_our_check(client, settings):
    settings.IPCENTER_SENDFILE_HEADER = "X-Accel-Redirect"
    design = make_design()
    image = design.images.get()
    url = reverse("designs:image", args=[image.pk])
    assert "X-Accel-Redirect" not in client.get(url)  # refused: no header at all
    client.force_login(design.owner)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == b""  # the proxy adds the body
    assert response["X-Accel-Redirect"] == f"/protected-media/{image.image.name}"
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_apache_x_sendfile_gets_the_absolute_path(client, settings):
    settings.IPCENTER_SENDFILE_HEADER = "X-Sendfile"
    case = make_case()
    evidence = case.evidence.first()
    client.force_login(case.complainant)
    response = client.get(reverse("cases:evidence", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["X-Sendfile"] == str(Path(evidence.file.path))
    assert response["Content-Security-Policy"] == "sandbox"
    client.force_login(make_user())
    other = client.get(reverse("cases:evidence", args=[evidence.pk]))
    assert other.status_code == 404
    assert "X-Sendfile" not in other


def test_a_missing_file_is_not_found_not_a_crash(client, settings):
    settings.IPCENTER_SENDFILE_HEADER = "X-Accel-Redirect"
    design = make_design()
    image = design.images.get()
    Path(image.image.path).unlink()
    client.force_login(design.owner)
    assert client.get(reverse("designs:image", args=[image.pk])).status_code == 404
