import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from designs.models import DesignImage
from ops import files
from tests.factories import make_design

pytestmark = pytest.mark.django_db


def _scan(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("scan_orphans", *args, stdout=out)
    except SystemExit as e:
        return e.code, out.getvalue()
    return 0, out.getvalue()


def test_every_file_field_of_every_model_is_checked():
    labels = {c.label for c in files.file_columns()}
    assert "designs.DesignImage.image" in labels
    # Found by introspection: a new app's FileField is covered without listing it.
    for column in files.file_columns():
        field = column.model._meta.get_field(column.field_name)
        assert field.get_internal_type() in ("FileField", "ImageField")


def test_a_clean_store_reports_nothing():
    make_design()
    code, out = _scan()
    assert code == 0
    assert "0 orphan file(s), 0 missing file(s)" in out


def test_lists_files_without_rows_and_rows_without_files():
    kept = make_design()
    lost = make_design()
    lost_image = lost.images.get()
    (Path(settings.MEDIA_ROOT) / lost_image.image.name).unlink()
    stray = Path(settings.MEDIA_ROOT) / "designs" / "ab" / "left-behind.png"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"\x89PNG")

    code, out = _scan()

    assert code == 1
    assert "orphan file (no row): designs/ab/left-behind.png" in out
    assert f"missing file: designs.DesignImage.image pk={lost_image.pk}" in out
    assert kept.images.get().image.name not in out


def test_delete_orphans_spares_young_files():
    root = Path(settings.MEDIA_ROOT)
    old = root / "designs" / "00" / "old.png"
    young = root / "designs" / "00" / "young.png"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"x")
    young.write_bytes(b"y")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))

    code, out = _scan("--delete-orphans")

    assert not old.exists()
    assert young.exists()  # may belong to an upload still committing
    assert code == 1
    assert "deleted 1 orphan file(s)" in out
    assert DesignImage.objects.count() == 0
