import csv
import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from designs import services
from designs.images import clean_image_bytes
from designs.models import DesignImage, FabricDesign

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
CSV_COLUMNS = [
    "file",
    "title",
    "description",
    "category",
    "technique",
    "author",
    "created_on",
    "published_on",
]


class Command(BaseCommand):
    help = (
        "Import an archive of registered designs: one per image in DIR, details from an "
        "optional CSV (file,title,description,category,technique,author,created_on,published_on). "
        "Images already imported (same bytes) are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--csv", type=Path, dest="csv_path")
        parser.add_argument(
            "--owner", default=None, help="Username that owns the imported designs."
        )
        parser.add_argument(
            "--actor", default=None, help="Staff username recorded as registering them."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self,
        *args,
        directory: Path,
        csv_path: Path | None,
        owner: str | None,
        actor: str | None,
        no_progress: bool,
        **options,
    ):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder.")
        owner_user = self._user(owner, staff=False)
        actor_user = self._user(actor, staff=True) if actor else _first_admin()
        rows = self._read_csv(csv_path) if csv_path else {}
        files = sorted(
            p
            for p in directory.iterdir()
            if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
        )
        imported = skipped = failed = 0
        bar = tqdm(files, unit="image", disable=no_progress, file=self.stderr)
        for path in bar:
            bar.set_postfix_str(path.name[:30])
            row = rows.pop(path.name, {})
            try:
                data = path.read_bytes()
                image = clean_image_bytes(data, name=path.name)
                if DesignImage.objects.filter(
                    source_sha256=image.source_sha256
                ).exists():
                    skipped += 1
                    continue
                fields = _fields(path, row, owner_user)
                services.import_registered_design(
                    owner=owner_user, actor=actor_user, image=image, **fields
                )
            except (ValidationError, ValueError, OSError, services.DesignError) as e:
                failed += 1
                message = (
                    "; ".join(e.messages) if isinstance(e, ValidationError) else str(e)
                )
                tqdm.write(f"ERROR {path.name}: {message}", file=self.stderr)
                continue
            imported += 1
        for missing in rows:
            failed += 1
            tqdm.write(
                f"ERROR {missing}: listed in the CSV but not found in {directory}",
                file=self.stderr,
            )
        self.stdout.write(
            f"imported {imported}, skipped {skipped} already imported, failed {failed}"
        )

    def _user(self, username: str | None, *, staff: bool) -> User:
        if username is None:
            user = _first_admin()
            if user is None:
                raise CommandError("No administrator exists; pass --owner and --actor.")
            return user
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None

    def _read_csv(self, path: Path) -> dict[str, dict]:
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                if not reader.fieldnames or "file" not in reader.fieldnames:
                    raise CommandError(
                        f"{path}: the first row must name the columns: {','.join(CSV_COLUMNS)}"
                    )
                return {row["file"].strip(): row for row in reader if row.get("file")}
        except OSError as e:
            raise CommandError(f"Cannot read {path}: {e}") from None


def _first_admin() -> User | None:
    return User.objects.filter(is_superuser=True).order_by("pk").first() or (
        User.objects.filter(groups__name="center_administrator").order_by("pk").first()
    )


def _date(value: str | None, column: str) -> datetime.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a date like 2024-05-31") from None


def _choice(value: str | None, choices, column: str, default: str) -> str:
    value = (value or "").strip()
    if not value:
        return default
    for key, label in choices.choices:
        if value in (key, str(label)) or value in str(label):
            return key
    raise ValueError(f"{column} {value!r} is not one of {', '.join(choices.values)}")


def _fields(path: Path, row: dict, owner: User) -> dict:
    created = _date(row.get("created_on"), "created_on") or datetime.date.fromtimestamp(
        path.stat().st_mtime
    )
    published = _date(row.get("published_on"), "published_on")
    if published and published < created:
        raise ValueError("published_on is before created_on")
    return {
        "title": (row.get("title") or path.stem).strip()[:200],
        "description": (row.get("description") or "").strip(),
        "category": _choice(
            row.get("category"),
            FabricDesign.Category,
            "category",
            FabricDesign.Category.FABRIC,
        ),
        "technique": _choice(
            row.get("technique"),
            FabricDesign.Technique,
            "technique",
            FabricDesign.Technique.PRINT,
        ),
        "authors": (row.get("author") or owner.display_name).strip()[:200],
        "copyright_holder": owner.display_name,
        "created_on": created,
        "published_on": published,
    }
