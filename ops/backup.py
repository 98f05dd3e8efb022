"""Back up and restore the center: database rows, media files, then the search index.

The database goes out through `dumpdata --natural-foreign` as gzipped JSON
(ops/fulljson.py: Django's JSON keeping microseconds). Why JSON and
not pg_dump: the dump restores into any database Django supports (a SQLite developer
copy of production data, a PostgreSQL major-version upgrade), the restore is checked row
by row in tests on both backends, and it needs no client tools matching the server
version. Its cost is speed at very large sizes; production also keeps PostgreSQL's own
base backups and WAL archive for point-in-time recovery (README, "Backups").
"""

import datetime
import json
import shutil
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group
from django.contrib.contenttypes.management import create_contenttypes
from django.core.management import call_command, get_commands
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

from ops import files

FORMAT = 1
DB_FILE = "db.fulljson.gz"
MEDIA_DIR = "media"
MANIFEST = "manifest.json"
# Rebuilt by migrate (contenttypes, permissions) or by rebuild_index after the restore
# (the PostgreSQL text index, a copy like the Whoosh folder), or state that must not come
# back (sessions: logins; axes: lockouts and their logs).
EXCLUDED = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "axes",
    "search.textdocument",
]


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says why."""


def dumped_models() -> list[type]:
    """Return the models whose rows a backup holds."""
    skip_apps = {e for e in EXCLUDED if "." not in e}
    skip_models = {e.lower() for e in EXCLUDED if "." in e}
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label not in skip_apps
        and m._meta.label_lower not in skip_models
        and m._meta.managed
        and not m._meta.proxy
    ]


def _applied_migrations() -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    return sorted([app, name] for app, name in recorder.applied_migrations())


def make_backup(dest: Path) -> dict:
    """Write a backup into the new folder dest; return its manifest."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} exists and is not empty.")
    dest.mkdir(parents=True, exist_ok=True)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for all tables: rows written meanwhile are all in or all out.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        call_command(
            "dumpdata",
            *[f"-e{label}" for label in EXCLUDED],
            natural_foreign=True,
            format="fulljson",
            output=str(dest / DB_FILE),
            verbosity=0,
        )
        counts = {m._meta.label: m._default_manager.count() for m in dumped_models()}
        report = files.scan()
    media_root = Path(settings.MEDIA_ROOT)
    checksums = {}
    for name in sorted(files.media_files(media_root)):
        target = dest / MEDIA_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(media_root / name, target)
        checksums[name] = files.sha256_of(target)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "django": django.get_version(),
        "database_vendor": connection.vendor,
        "migrations": _applied_migrations(),
        "row_counts": counts,
        "files": checksums,
        "missing_files_at_backup": [list(m) for m in report.missing_files],
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def read_manifest(src: Path) -> dict:
    path = Path(src) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} has no {MANIFEST}: not a backup folder.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def verify_backup(src: Path) -> dict:
    """Check each backed-up file against its recorded SHA-256; return the manifest."""
    src = Path(src)
    manifest = read_manifest(src)
    if not (src / DB_FILE).is_file():
        raise BackupError(f"{src} has no {DB_FILE}.")
    bad = [
        name
        for name, digest in manifest["files"].items()
        if not (src / MEDIA_DIR / name).is_file()
        or files.sha256_of(src / MEDIA_DIR / name) != digest
    ]
    if bad:
        raise BackupError(
            f"{len(bad)} file(s) in the backup are missing or damaged, e.g. {bad[0]}"
        )
    missing = {tuple(m) for m in manifest["migrations"]} - {
        tuple(m) for m in _applied_migrations()
    }
    if missing:
        app, name = sorted(missing)[0]
        raise BackupError(
            f"This database lacks migration {app}.{name} that the backup was made "
            "with: run `manage.py migrate` first."
        )
    return manifest


def restore_backup(src: Path) -> dict:
    """Replace all rows and media files with those of the backup in src."""
    src = Path(src)
    manifest = verify_backup(src)
    with transaction.atomic():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        # What migrate would create, so natural keys in the dump resolve; groups come
        # from the dump with their own ids.
        for app_config in apps.get_app_configs():
            create_contenttypes(app_config, verbosity=0)
            create_permissions(app_config, verbosity=0)
        Group.objects.all().delete()
        call_command("loaddata", str(src / DB_FILE), verbosity=0)
        emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    _replace_media(src / MEDIA_DIR, Path(settings.MEDIA_ROOT), manifest["files"])
    if "rebuild_index" in get_commands():
        call_command("rebuild_index", verbosity=0)
    return manifest


def _replace_media(source: Path, media_root: Path, checksums: dict[str, str]) -> None:
    media_root.mkdir(parents=True, exist_ok=True)
    for name in files.media_files(media_root):
        if name not in checksums:
            (media_root / name).unlink()
    for name, digest in checksums.items():
        target = media_root / name
        if target.is_file() and files.sha256_of(target) == digest:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, target)
        if files.sha256_of(target) != digest:
            raise BackupError(f"Copying {name} produced a different file.")
