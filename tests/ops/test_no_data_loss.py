"""A failure between writing a row and writing its file leaves neither behind."""

from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError
from django.urls import reverse

from designs.models import DesignImage, FabricDesign
from ops import files
from tests.factories import make_design, make_upload, make_user

pytestmark = pytest.mark.django_db


def design_post(**extra) -> dict:
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


def _media_files() -> list[str]:
    return list(files.media_files(Path(settings.MEDIA_ROOT)))


def _failing_storage(n_ok: int):
    """Patch the storage so _save works n_ok times, then fails like a full disk."""
    real = FileSystemStorage._save
    calls = {"n": 0}

    def _save(name, content):
        calls["n"] += 1
        if calls["n"] > n_ok:
            raise OSError(28, "No space left on device")
        return real(default_storage, name, content)

    return mock.patch.object(default_storage, "_save", _save)


@pytest.fixture
def merchant_client(client):
    client.raise_request_exception = False
    client.force_login(make_user())
    return client


def test_storage_failure_on_new_design_saves_nothing(merchant_client):
    with _failing_storage(0):
        response = merchant_client.post(
            reverse("designs:new"), design_post(new_images=[make_upload(seed=1)])
        )
    assert response.status_code == 500
    assert not FabricDesign.objects.exists()
    assert not DesignImage.objects.exists()
    assert _media_files() == []


def test_storage_failure_on_the_second_image_removes_the_first(merchant_client):
    uploads = [make_upload("a.png", seed=1), make_upload("b.png", seed=2)]
    with _failing_storage(1):
        merchant_client.post(reverse("designs:new"), design_post(new_images=uploads))
    assert not FabricDesign.objects.exists()
    assert _media_files() == []  # the first file was written, then removed


def test_row_failure_after_the_file_was_written_removes_the_file(merchant_client):
    with mock.patch.object(DesignImage, "save", side_effect=DatabaseError("boom")):
        merchant_client.post(
            reverse("designs:new"), design_post(new_images=[make_upload(seed=3)])
        )
    assert not FabricDesign.objects.exists()
    assert _media_files() == []


def test_storage_failure_in_a_batch_saves_no_design(merchant_client):
    uploads = [make_upload(f"{n}.png", seed=n) for n in range(4)]
    data = design_post(images=uploads)
    with _failing_storage(2):
        merchant_client.post(reverse("designs:batch"), data)
    assert not FabricDesign.objects.exists()
    assert _media_files() == []


def test_storage_failure_on_edit_keeps_the_old_state(client):
    client.raise_request_exception = False
    design = make_design(title="旧标题")
    client.force_login(design.owner)
    before = _media_files()
    old_image = design.images.get()
    with _failing_storage(0):
        client.post(
            reverse("designs:edit", args=[design.pk]),
            design_post(
                title="新标题",
                new_images=[make_upload(seed=9)],
                remove_image=[old_image.pk],
            ),
        )
    design.refresh_from_db()
    assert design.title == "旧标题"
    assert list(design.images.all()) == [old_image]
    assert _media_files() == before  # the old file was not deleted either
    assert files.scan().clean
