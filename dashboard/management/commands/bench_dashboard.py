import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.models import User


class Command(BaseCommand):
    help = "Time the staff dashboard and statistics pages (median and p95 of warm runs, query counts)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=15)
        parser.add_argument("--user", default="director")
        parser.add_argument("--json", action="store_true")

    @override_settings(ALLOWED_HOSTS=["testserver"])
    def handle(self, *args, runs: int, user: str, json: bool, **options):
        client = Client()
        client.force_login(User.objects.get(username=user))
        pages = {
            "dashboard": (reverse("dashboard:home"), {}),
            "statistics_12_months": (reverse("dashboard:statistics"), {}),
            "statistics_all_time": (
                reverse("dashboard:statistics"),
                {"start": "2000-01-01", "end": "2030-12-31"},
            ),
        }
        results = {}
        for name, (url, params) in pages.items():
            client.get(url, params)  # warm caches and connections
            times, queries = [], 0
            for _ in range(runs):
                connection.queries_log.clear()  # a full log would make the count read 0
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url, params)
                    times.append((time.perf_counter() - started) * 1000)
                queries = len(captured)
                assert response.status_code == 200, (name, response.status_code)
            times.sort()
            results[name] = {
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
                "queries": queries,
            }
        if json:
            import json as json_module

            self.stdout.write(
                json_module.dumps({"vendor": connection.vendor, "pages": results})
            )
            return
        for name, r in results.items():
            self.stdout.write(
                f"{name:24} median {r['median_ms']:8.1f} ms  p95 {r['p95_ms']:8.1f} ms  {r['queries']} queries"
            )
