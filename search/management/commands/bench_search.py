"""Benchmark both text-search backends on the same synthetic registry.

Never run by the test suite. Whoosh builds in a temporary folder and PostgreSQL in
scratch tables shaped like the search_text* tables, so the real index and rows are untouched.
"""

import json
import multiprocessing
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from search import analysis, bench, text
from search.index import WhooshBackend
from search.text_pg import PostgresBackend, batched, count_terms, rows_for

REAL_TABLES = ("search_textdocument", "search_textposting", "search_textterm")
SCRATCH_TABLES = tuple(f"{table}_bench" for table in REAL_TABLES)


class Command(BaseCommand):
    help = (
        "Seed N deterministic synthetic designs into each backend and report build time, "
        "index size, latency of 1-, 2- and 3-word queries (top 20 with total and "
        "highlights) and how soon a single update is visible."
    )

    def add_arguments(self, parser):
        parser.add_argument("--designs", type=int, default=50_000)
        parser.add_argument(
            "--backend", choices=["whoosh", "postgres"], action="append"
        )
        parser.add_argument(
            "--queries", type=int, default=30, help="Queries per word count."
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--json", action="store_true", help="One JSON object per line."
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the scratch table/folder."
        )

    def handle(self, *args, designs, backend, queries, seed, json, keep, **options):
        backends = backend or ["whoosh", "postgres"]
        if "postgres" in backends and connection.vendor != "postgresql":
            if backend:
                raise CommandError("The postgres backend needs a PostgreSQL database.")
            backends = ["whoosh"]
            self.stderr.write("Not on PostgreSQL: benchmarking Whoosh only.")
        analysis.warm_up()
        self.verbose = not json
        for name in backends:
            report = getattr(self, f"_bench_{name}")(designs, seed, queries, keep)
            if json:
                self.stdout.write(_dumps(report))
            else:
                self._print(report)

    # -- builds --

    def _progress(self, total: int, name: str):
        return tqdm(
            total=total,
            unit="design",
            desc=f"build {name}",
            file=self.stderr._out,
            disable=not self.verbose,
        )

    def _bench_whoosh(self, n: int, seed: int, per_size: int, keep: bool) -> dict:
        folder = Path(tempfile.mkdtemp(prefix="ipcenter-bench-whoosh-"))
        backend = WhooshBackend(folder)
        try:
            started = time.perf_counter()
            with self._progress(n, "whoosh") as bar:
                backend.rebuild(bench.documents(n, seed=seed), progress=bar.update)
            build_s = time.perf_counter() - started
            return self._measure(
                backend, n, seed, per_size, build_s, backend.size_bytes()
            )
        finally:
            if keep:
                self.stderr.write(f"Kept the Whoosh index in {folder}")
            else:
                shutil.rmtree(folder, ignore_errors=True)

    def _bench_postgres(self, n: int, seed: int, per_size: int, keep: bool) -> dict:
        backend = PostgresBackend(*SCRATCH_TABLES)
        with connection.cursor() as cursor:
            # Same columns (and generated tsvector) as the real tables; indexes come
            # after the load, as a bulk import would do it.
            for scratch, real in zip(SCRATCH_TABLES, REAL_TABLES, strict=True):
                cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
                cursor.execute(
                    f"CREATE UNLOGGED TABLE {scratch} (LIKE {real} "
                    "INCLUDING DEFAULTS INCLUDING GENERATED)"
                )
        try:
            started = time.perf_counter()
            numbers = range(1, n + 1)
            counts: dict[str, list[int]] = {}
            with (
                self._progress(n, "postgres") as bar,
                multiprocessing.get_context("fork").Pool(2) as pool,
                connection.cursor() as cursor,
            ):
                # Segmentation is the slow part: both cores do it while COPY streams.
                both = pool.imap(_rows, ((i, seed) for i in numbers), chunksize=500)
                for batch in batched(both, 5000):
                    postings = [p for _row, doc_postings in batch for p in doc_postings]
                    backend.copy_rows(cursor, [row for row, _postings in batch])
                    backend.copy_postings(cursor, postings)
                    count_terms(counts, postings)
                    bar.update(len(batch))
                backend.copy_terms(cursor, counts)
            with connection.cursor() as cursor:
                documents, postings, terms = SCRATCH_TABLES
                cursor.execute(f"ALTER TABLE {documents} ADD PRIMARY KEY (design_id)")
                cursor.execute(f"CREATE INDEX ON {documents} USING GIN (document)")
                cursor.execute(f"CREATE INDEX ON {documents} (regno)")
                cursor.execute(
                    f"CREATE INDEX ON {documents} (owner_id) "
                    "WHERE status <> 'registered'"
                )
                # As migration 0003 makes the real ones.
                cursor.execute(
                    f"ALTER TABLE {postings} ADD PRIMARY KEY (term, design_id) "
                    "INCLUDE (impact, public)"
                )
                cursor.execute(
                    f"CREATE INDEX ON {postings} (term, impact, design_id) "
                    "INCLUDE (public)"
                )
                cursor.execute(
                    f"ALTER TABLE {postings} ALTER COLUMN term SET STATISTICS 1000"
                )
                cursor.execute(f"CREATE INDEX ON {postings} (design_id)")
                cursor.execute(f"ALTER TABLE {terms} ADD PRIMARY KEY (term)")
                cursor.execute(f"CREATE INDEX ON {terms} (pinyin) WHERE pinyin <> ''")
                for table in SCRATCH_TABLES:
                    cursor.execute(f"VACUUM ANALYZE {table}")
            build_s = time.perf_counter() - started
            return self._measure(
                backend, n, seed, per_size, build_s, backend.size_bytes()
            )
        finally:
            if keep:
                self.stderr.write(f"Kept the tables {', '.join(SCRATCH_TABLES)}")
            else:
                with connection.cursor() as cursor:
                    for table in SCRATCH_TABLES:
                        cursor.execute(f"DROP TABLE IF EXISTS {table}")

    # -- measurements --

    def _measure(self, backend, n, seed, per_size, build_s, size) -> dict:
        by_size = bench.queries(per_size)
        for query in by_size[1][:5]:  # warm caches; not counted
            self._one_query(backend, query, seed)
        latencies: dict[int, list[float]] = {}
        totals: dict[int, list[int]] = {}
        for words, items in by_size.items():
            latencies[words], totals[words] = [], []
            for query in items:
                ms, total = self._one_query(backend, query, seed)
                latencies[words].append(ms)
                totals[words].append(total)
        every = [ms for values in latencies.values() for ms in values]
        report = {
            "backend": backend.name,
            "designs": n,
            "build_s": round(build_s, 1),
            "index_mb": round(size / 2**20, 1),
            "p50_ms": round(statistics.median(every), 1),
            "p95_ms": round(_p95(every), 1),
            "update_visible_ms": round(self._update_visible(backend, seed), 1),
        }
        for words in (1, 2, 3):
            report[f"p50_ms_{words}w"] = round(statistics.median(latencies[words]), 1)
            report[f"p95_ms_{words}w"] = round(_p95(latencies[words]), 1)
            report[f"median_hits_{words}w"] = int(statistics.median(totals[words]))
        return report

    def _one_query(self, backend, query: str, seed: int) -> tuple[float, int]:
        started = time.perf_counter()
        plan = text.build_plan(query)
        raw = text.run_search(
            backend,
            plan,
            scope=text.PUBLIC,
            filters=text.Filters(),
            limit=20,
            facets=False,
        )
        for pk, _score in raw.hits:  # what the page does with each hit
            doc = bench.document(pk, seed=seed)
            text.highlight(doc["title"], plan)
            text.snippet(doc["body"], plan)
        return (time.perf_counter() - started) * 1000, raw.total

    def _update_visible(self, backend, seed: int) -> float:
        """Time from starting a one-design update until a search returns it."""
        doc = bench.document(1, seed=seed)
        doc.update(title="独一无二测试花型", status="registered")
        plan = text.build_plan("独一无二测试花型")
        started = time.perf_counter()
        backend.update([doc])
        while True:
            raw = text.run_search(
                backend,
                plan,
                scope=text.PUBLIC,
                filters=text.Filters(),
                limit=20,
                facets=False,
            )
            if any(pk == 1 for pk, _ in raw.hits):
                return (time.perf_counter() - started) * 1000
            if time.perf_counter() - started > 30:
                raise CommandError("The update was not visible after 30 s.")

    def _print(self, r: dict) -> None:
        self.stdout.write(
            f"{r['backend']:8} {r['designs']:>9,} designs  build {r['build_s']:7.1f} s  "
            f"index {r['index_mb']:7.1f} MB  p50 {r['p50_ms']:6.1f} ms  "
            f"p95 {r['p95_ms']:6.1f} ms  update visible {r['update_visible_ms']:6.1f} ms"
        )
        for words in (1, 2, 3):
            self.stdout.write(
                f"         {words}-word: p50 {r[f'p50_ms_{words}w']:6.1f} ms  "
                f"p95 {r[f'p95_ms_{words}w']:6.1f} ms  median hits {r[f'median_hits_{words}w']:,}"
            )


def _rows(args: tuple[int, int]) -> tuple[tuple, list[tuple]]:
    number, seed = args
    return rows_for(bench.document(number, seed=seed))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
