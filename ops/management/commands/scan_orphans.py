import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from ops import files


class Command(BaseCommand):
    help = (
        "List files under MEDIA_ROOT that no row refers to, and rows (of every model "
        "with a file field) whose file is missing. Exit status 1 if any are found."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete-orphans",
            action="store_true",
            help="Delete orphan files older than --min-age-minutes.",
        )
        parser.add_argument(
            "--min-age-minutes",
            type=int,
            default=60,
            help="Leave younger orphans alone: their upload may still be committing.",
        )

    def handle(self, *args, **options):
        root = Path(settings.MEDIA_ROOT)
        report = files.scan(root)
        columns = ", ".join(c.label for c in files.file_columns()) or "none"
        self.stdout.write(f"Checked file columns: {columns}")
        for name in report.orphan_files:
            self.stdout.write(f"orphan file (no row): {name}")
        for label, pk, name in report.missing_files:
            self.stdout.write(f"missing file: {label} pk={pk} {name}")
        deleted = 0
        if options["delete_orphans"]:
            min_age = options["min_age_minutes"] * 60
            for name in report.orphan_files:
                if files.older_than(root, name, min_age):
                    (root / name).unlink(missing_ok=True)
                    deleted += 1
            self.stdout.write(f"deleted {deleted} orphan file(s)")
        self.stdout.write(
            f"{len(report.orphan_files)} orphan file(s), "
            f"{len(report.missing_files)} missing file(s)"
        )
        remaining = len(report.orphan_files) - deleted + len(report.missing_files)
        if remaining:
            sys.exit(1)
