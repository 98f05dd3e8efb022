from django.conf import settings
from django.core.management.base import BaseCommand
from tqdm import tqdm

from designs.models import FabricDesign
from search import text


class Command(BaseCommand):
    help = (
        "Rebuild the text-search index from the database (the truth). Run it after the "
        "index folder is lost or corrupted, and after the jieba dictionary changes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--backend",
            choices=["whoosh", "postgres"],
            default=None,
            help="Backend to rebuild (default: IPCENTER_SEARCH_BACKEND).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Hide the progress bar."
        )

    def handle(self, *args, backend=None, no_progress=False, **options):
        backend_obj = text.get_backend(backend or settings.SEARCH_BACKEND)
        total = FabricDesign.objects.count()
        with tqdm(
            total=total,
            unit="design",
            desc=f"Indexing ({backend_obj.name})",
            disable=no_progress,
            file=self.stderr._out,
        ) as bar:
            count = text.rebuild(backend_obj, progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {count} designs ({backend_obj.name}).")
        )
