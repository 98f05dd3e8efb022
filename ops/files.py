"""Which stored files belong to which rows, found by introspecting every model.

Any model with a FileField or ImageField is covered without registering it here, so
complaint evidence and agreements are checked and backed up as soon as they exist.
"""

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models


@dataclass(frozen=True)
class FileColumn:
    model: type[models.Model]
    field_name: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field_name}"


@dataclass
class ScanReport:
    orphan_files: list[str] = field(default_factory=list)  # on disk, no row
    missing_files: list[tuple[str, int, str]] = field(
        default_factory=list
    )  # row, no file

    @property
    def clean(self) -> bool:
        return not self.orphan_files and not self.missing_files


def file_columns() -> list[FileColumn]:
    """Return every concrete FileField (ImageField too) of every installed model."""
    columns = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                columns.append(FileColumn(model, f.name))
    return columns


def referenced_names() -> Iterator[tuple[FileColumn, int, str]]:
    """Yield (column, pk, stored name) for every non-empty file value stored."""
    for column in file_columns():
        rows = (
            column.model._default_manager.exclude(**{column.field_name: ""})
            .exclude(**{f"{column.field_name}__isnull": True})
            .values_list("pk", column.field_name)
        )
        for pk, name in rows.iterator(chunk_size=2000):
            yield column, pk, name


def media_files(root: Path | None = None) -> Iterator[str]:
    """Yield the path of every file under MEDIA_ROOT, relative and with / separators."""
    root = Path(root or settings.MEDIA_ROOT)
    if not root.exists():
        return
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            yield (Path(dirpath) / name).relative_to(root).as_posix()


def scan(root: Path | None = None) -> ScanReport:
    """Compare the database's file columns with the files under MEDIA_ROOT."""
    root = Path(root or settings.MEDIA_ROOT)
    report = ScanReport()
    wanted: set[str] = set()
    for column, pk, name in referenced_names():
        wanted.add(name)
        if not (root / name).is_file():
            report.missing_files.append((column.label, pk, name))
    report.orphan_files = sorted(set(media_files(root)) - wanted)
    return report


def older_than(root: Path, name: str, seconds: float) -> bool:
    # A file this young may belong to an upload whose transaction is still open.
    try:
        return time.time() - (root / name).stat().st_mtime > seconds
    except FileNotFoundError:
        return False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
