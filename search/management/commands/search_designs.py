import json

from django.core.management.base import BaseCommand

from search import services


class Command(BaseCommand):
    help = "Print the ranked public search results for QUERY (registered designs only)."

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="+", help="Words to search for.")
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object."
        )
        parser.add_argument("--limit", type=int, default=20)

    def handle(self, *args, query, json=False, limit=20, **options):
        words = " ".join(query)
        result = services.search_text(
            words, public_only=True, page_size=limit, facets=False
        )
        rows = [
            {
                "registration_no": hit.design.registration_no,
                "title": hit.design.title,
                "score": round(hit.score, 4),
            }
            for hit in result.page
        ]
        if json:
            self.stdout.write(
                _dumps({"query": words, "total": result.total, "results": rows})
            )
            return
        self.stdout.write(f"{result.total} found for {words!r}")
        for rank, row in enumerate(rows, 1):
            self.stdout.write(
                f"{rank:3d}. {row['score']:8.3f}  {row['registration_no'] or '—':18}  {row['title']}"
            )


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
