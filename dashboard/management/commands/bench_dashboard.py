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
        parser.add_argument(
            "--baseline",
            action="store_true",
            help="Also time the statistics with roll-ups off (every month counted on every view).",
        )

    @override_settings(ALLOWED_HOSTS=["testserver"])
    def handle(
        self, *args, runs: int, user: str, json: bool, baseline: bool, **options
    ):
        results = {"rollups": self._time(runs, user)}
        if baseline:
            from unittest import mock

            from dashboard import rollups

            # Baseline: no stored months and no reuse of the running month.
            real_split = rollups.split

            def no_store(period, today=None):
                return [
                    (piece, False) for piece, _ok in real_split(period, today=today)
                ]

            with (
                mock.patch.object(rollups, "split", no_store),
                override_settings(IPCENTER_STATS_LIVE_SECONDS=0),
            ):
                results["baseline"] = self._time(runs, user, only_statistics=True)
        if json:
            import json as json_module

            self.stdout.write(
                json_module.dumps({"vendor": connection.vendor, **results})
            )
            return
        for label, pages in results.items():
            for name, r in pages.items():
                self.stdout.write(
                    f"{label:9} {name:24} median {r['median_ms']:8.1f} ms  p95 {r['p95_ms']:8.1f} ms  {r['queries']} queries"
                )

    def _time(self, runs: int, user: str, *, only_statistics: bool = False) -> dict:
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
        if only_statistics:
            del pages["dashboard"]
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
        return results
