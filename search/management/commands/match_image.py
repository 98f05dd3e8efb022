import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from designs.images import clean_image
from search import services


class Command(BaseCommand):
    help = (
        "Find the registered designs most like each image file. Prints one JSON line "
        "per file: {query, matches: [{registration_no, title, score, is_match, "
        "alteration}]}, best first; a bad file gets an error line and the rest go on."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--top", type=int, default=5, help="Candidates per query (default 5)."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="JSON lines (the default; accepted for symmetry with eval_match).",
        )
        parser.add_argument(
            "--all-designs",
            action="store_true",
            help="Include designs not (yet) registered, as registration review does.",
        )
        parser.add_argument(
            "--photo",
            action="store_true",
            help="Photos of fabric: where nothing matches, also align the best few "
            "designs as a photo of the print (slower).",
        )

    def handle(self, *args, files, top, all_designs=False, photo=False, **options):
        failed = 0
        for name in files:
            try:
                # The same checks as an upload: decoded type, size and pixel limits.
                with open(name, "rb") as f:
                    clean = clean_image(f)
                matches = services.find_similar(
                    clean.content,
                    top=top,
                    include_unregistered=all_designs,
                    photo=photo,
                )
                line = {"query": name, "matches": [m.as_dict() for m in matches]}
            except ValidationError as e:
                failed += 1
                line = {"query": name, "error": " ".join(e.messages)}
            except OSError as e:
                failed += 1
                line = {"query": name, "error": e.strerror or str(e)}
            self.stdout.write(json.dumps(line, ensure_ascii=False))
        if failed == len(files):
            raise SystemExit(1)
