from django.conf import settings
from django.core.management.base import BaseCommand

from search import text


class Command(BaseCommand):
    help = (
        "Compare the text-search index with the database and repair the differences "
        "(designs missing, out of date or deleted). Safe to run from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=["whoosh", "postgres"], default=None)

    def handle(self, *args, backend=None, **options):
        backend_obj = text.get_backend(backend or settings.SEARCH_BACKEND)
        counts = text.reconcile(backend_obj)
        if counts["rebuilt"]:
            self.stdout.write(
                f"The analyzer or dictionary changed: rebuilt {counts['rebuilt']} designs."
            )
        self.stdout.write(
            f"added {counts['added']}, refreshed {counts['refreshed']}, "
            f"removed {counts['removed']} ({backend_obj.name})"
        )
