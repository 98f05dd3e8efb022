"""Back up, wipe, restore: every row and every file (by SHA-256) comes back."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from designs.models import FabricDesign
from ops import backup, files
from tests.factories import make_design, make_staff, make_user

pytestmark = pytest.mark.django_db


def _rows() -> dict[str, list]:
    """Every backed-up row, serialized with natural foreign keys, in pk order."""
    return {
        model._meta.label: serializers.serialize(
            "python",
            model._default_manager.order_by("pk"),
            use_natural_foreign_keys=True,
        )
        for model in backup.dumped_models()
    }


def _media() -> dict[str, str]:
    root = Path(settings.MEDIA_ROOT)
    return {name: files.sha256_of(root / name) for name in files.media_files(root)}


def _some_of_everything():
    owner = make_user(shop_name="锦绣家纺")
    make_design(owner=owner, status=FabricDesign.Status.REGISTERED, title="牡丹 四件套")
    make_design(owner=owner, status=FabricDesign.Status.RETURNED)
    make_design(status=FabricDesign.Status.REVOKED)
    make_design()  # a draft
    staff = make_staff(roles.MEDIATOR)
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    LogEntry.objects.log_actions(
        user_id=staff.pk, queryset=[owner], action_flag=ADDITION, change_message="x"
    )


# Real transactions: PostgreSQL cannot TRUNCATE rows inserted earlier in the same
# transaction while their deferred foreign-key checks are pending.
@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_finds_every_row_and_file(tmp_path):
    _some_of_everything()
    rows_before, media_before = _rows(), _media()
    assert len(media_before) >= 4
    assert rows_before["designs.FabricDesign"]

    call_command("backup", str(tmp_path / "bk"))
    manifest = backup.read_manifest(tmp_path / "bk")
    assert manifest["files"] == media_before

    # The disaster: every row and file gone.
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT)
    assert not FabricDesign.objects.exists()

    call_command("restore", str(tmp_path / "bk"), interactive=False)

    assert _rows() == rows_before  # microseconds too (ops/fulljson.py)
    assert _media() == media_before
    assert files.scan().clean
    registered = FabricDesign.objects.registered().get()
    assert registered.title == "牡丹 四件套"
    assert registered.images.get().image.read()  # the row's file opens


@pytest.mark.django_db(transaction=True)
def test_restore_removes_files_that_were_not_in_the_backup(tmp_path):
    make_design()
    call_command("backup", str(tmp_path / "bk"))
    stray = Path(settings.MEDIA_ROOT) / "designs" / "zz" / "stray.png"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    call_command("restore", str(tmp_path / "bk"), interactive=False)
    assert not stray.exists()


def test_backup_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "old").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path / "bk"))


def test_restore_refuses_a_damaged_backup_and_changes_nothing(tmp_path):
    design = make_design()
    call_command("backup", str(tmp_path / "bk"))
    manifest = backup.read_manifest(tmp_path / "bk")
    name = next(iter(manifest["files"]))
    (tmp_path / "bk" / "media" / name).write_bytes(b"bit rot")
    FabricDesign.objects.filter(pk=design.pk).update(title="changed after backup")
    with pytest.raises(CommandError, match="missing or damaged"):
        call_command("restore", str(tmp_path / "bk"), interactive=False)
    design.refresh_from_db()
    assert design.title == "changed after backup"


def test_restore_refuses_a_folder_that_is_no_backup(tmp_path):
    with pytest.raises(CommandError, match="not a backup"):
        call_command("restore", str(tmp_path), interactive=False)


def test_restore_asks_before_wiping(tmp_path, monkeypatch):
    make_design()
    call_command("backup", str(tmp_path / "bk"))
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(tmp_path / "bk"))
    assert FabricDesign.objects.exists()


def test_dump_uses_ids_except_for_content_types_and_permissions(tmp_path):
    import gzip
    import json

    make_design(status=FabricDesign.Status.REGISTERED)  # also makes staff groups
    call_command("backup", str(tmp_path / "bk"))
    with gzip.open(tmp_path / "bk" / backup.DB_FILE, "rt") as dump:
        rows = json.load(dump)
    design = next(r for r in rows if r["model"] == "designs.fabricdesign")
    assert isinstance(design["fields"]["owner"], int)  # no query per row to write it
    group = next(
        r for r in rows if r["model"] == "auth.group" and r["fields"]["permissions"]
    )
    # Permissions get new ids in another database, so they go by name.
    codename, app_label, model = group["fields"]["permissions"][0]
    assert isinstance(codename, str) and isinstance(app_label, str)
