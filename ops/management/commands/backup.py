from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backup


class Command(BaseCommand):
    help = (
        "Back up the database (natural-key JSON), every media file (with SHA-256) "
        "and a manifest into the new or empty folder DEST."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", type=Path)

    def handle(self, *args, dest: Path, **options):
        try:
            manifest = backup.make_backup(dest)
        except backup.BackupError as e:
            raise CommandError(str(e)) from e
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"Backed up {rows} rows and {len(manifest['files'])} files to {dest}"
        )
        for label, pk, name in manifest["missing_files_at_backup"]:
            self.stderr.write(f"warning: {label} pk={pk} has no file {name}")
