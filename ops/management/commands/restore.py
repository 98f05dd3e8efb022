from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ops import backup


class Command(BaseCommand):
    help = (
        "Replace ALL rows and media files with those of the backup folder SRC (made by "
        "`backup`), after checking every file's SHA-256; then rebuild the search index."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", type=Path)
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, src: Path, interactive: bool = True, **options):
        try:
            manifest = backup.read_manifest(src)
        except backup.BackupError as e:
            raise CommandError(str(e)) from e
        if interactive:
            database = connection.settings_dict["NAME"]
            answer = input(
                f"This deletes everything in database {database}"
                f" and MEDIA_ROOT and loads the backup of {manifest['created_at']}. "
                "Type 'yes' to go on: "
            )
            if answer != "yes":
                raise CommandError("Restore cancelled.")
        try:
            manifest = backup.restore_backup(src)
        except backup.BackupError as e:
            raise CommandError(str(e)) from e
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"Restored {rows} rows and {len(manifest['files'])} files from {src}"
        )
