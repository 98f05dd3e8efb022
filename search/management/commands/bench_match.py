import json
import time

import numpy as np
from django.core.management.base import BaseCommand
from threadpoolctl import threadpool_info

from search import engine
from search import fingerprint as fp
from search import match_suite as suite


def _ms(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _cpu_ms(fn, repeat: int) -> float:
    """Mean CPU time: on a shared machine wall time also counts other jobs."""
    start = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - start) * 1000 / repeat


class Command(BaseCommand):
    help = (
        "Measure image-match speed on synthetic fingerprints: fingerprinting a "
        "2000×2000 JPEG, the candidate stage and a whole query (decode, fingerprint, "
        "candidates, verification) at --designs registered designs, against numpy "
        "brute force over the same codes and the pHash / PDQ baselines."
    )

    def add_arguments(self, parser):
        parser.add_argument("--designs", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object."
        )
        parser.add_argument(
            "--photo",
            type=int,
            default=0,
            metavar="N",
            help="Query with the photo option: where nothing matches, N designs are "
            "aligned as a photo of the print (find_similar(photo=True) uses "
            "search.matching.PHOTO_DESIGNS).",
        )

    def handle(self, *args, designs, repeat, as_json=False, photo=0, **options):
        rng = np.random.default_rng(0)
        big = suite.jpeg_bytes(suite.synthetic_pattern(1, 2000))
        fingerprint_ms = _ms(lambda: fp.compute(fp.load_image(big)), repeat)
        fingerprint_cpu_ms = _cpu_ms(lambda: fp.compute(fp.load_image(big)), repeat)

        # Real fingerprints of synthetic prints stand in for every design's
        # verification data; the codes are random, as many distinct designs give.
        # As many prints as a query verifies, each of its own size: registered files
        # have pixel scales of their own, and the query's detail is brought to each
        # candidate's (with ten prints of one size it was made once for all 45).
        verified = engine.SHORTLIST + engine.EMBED_SHORTLIST
        samples = [
            fp.compute(
                fp.load_image(
                    suite.jpeg_bytes(suite.synthetic_pattern(2 + s, 400 + 8 * s))
                )
            )
            for s in range(verified)
        ]
        codes = rng.integers(0, 256, (designs, engine.CODE_BYTES), dtype=np.uint8)
        keys = np.arange(designs, dtype=np.int64)
        index = engine.MatchIndex()
        index.load(keys, codes)
        # A market-style photo of one registered print, as the query.
        query_bytes = suite.jpeg_bytes(
            suite.market_photo(
                suite.synthetic_pattern(5, 600)[:300, :300], np.random.default_rng(1)
            ),
            70,
        )
        probe = fp.compute_query(fp.load_image(query_bytes))
        # As find_similar asks: three times the shortlists, to leave room for
        # designs the caller may not see.
        fetch = engine.SHORTLIST * 3
        fetch_embedded = (engine.EMBED_SHORTLIST + engine.EMBED_DETAIL_SHORTLIST) * 3
        bow, spectrum = slice(0, 32), slice(32, 64)
        embedded = [slice(b, b + 16) for b in range(64, engine.CODE_BYTES, 16)]

        def candidates():
            return index.candidates(probe, fetch, fetch_embedded)

        candidate_ms = _ms(candidates, repeat)

        def brute_force():
            # The same three distances and nearest lists, the plain numpy way.
            q = np.frombuffer(probe.vector, np.uint8)
            x = np.bitwise_count(codes[:, :64] ^ q[:64])
            e = np.min(
                [np.bitwise_count(codes[:, part] ^ q[64:]).sum(1) for part in embedded],
                axis=0,
            )
            return (
                np.argsort(x[:, bow].sum(1), kind="stable")[: fetch // 2],
                np.argsort(x[:, spectrum].sum(1), kind="stable")[: fetch // 2],
                np.argsort(e, kind="stable")[:fetch_embedded],
            )

        bruteforce_ms = _ms(brute_force, repeat)

        def features_for_keys(ks):
            return {k: samples[k % len(samples)] for k in ks}

        def query():
            q = fp.compute_query(fp.load_image(query_bytes))
            return engine.match(
                q, index, features_for_keys, top=5, fetch=fetch, photo=photo
            )

        # The photo option costs only where nothing matches: say whether it did.
        query_matched = any(r.is_match for r in query())

        query_ms = _ms(query, repeat)
        query_cpu_ms = _cpu_ms(query, repeat)
        candidate_cpu_ms = _cpu_ms(candidates, repeat)
        bruteforce_cpu_ms = _cpu_ms(brute_force, repeat)
        baseline = {}
        try:
            from search.match_eval import pdq8, phash

            baseline["phash_ms_median"] = float(
                np.median(_ms(lambda: phash(np.asarray(fp.load_image(big))), repeat))
            )
            baseline["pdq8_ms_median"] = float(
                np.median(_ms(lambda: pdq8(np.asarray(fp.load_image(big))), repeat))
            )
        except ImportError:  # the baselines are optional for the speed figures
            pass
        result = {
            "designs": designs,
            "algorithm": fp.ALGORITHM_VERSION,
            "fingerprint_ms_median": round(float(np.median(fingerprint_ms)), 1),
            "fingerprint_cpu_ms_mean": round(fingerprint_cpu_ms, 1),
            "candidate_ms_median": round(float(np.median(candidate_ms)), 2),
            "bruteforce_ms_median": round(float(np.median(bruteforce_ms)), 2),
            "candidate_cpu_ms_mean": round(candidate_cpu_ms, 2),
            "bruteforce_cpu_ms_mean": round(bruteforce_cpu_ms, 2),
            "query_ms_median": round(float(np.median(query_ms)), 1),
            "query_ms_p95": round(float(np.percentile(query_ms, 95)), 1),
            "query_cpu_ms_mean": round(query_cpu_ms, 1),
            "index_mb": round(index.nbytes / 2**20, 1),
            "verified_per_query": engine.SHORTLIST + engine.EMBED_SHORTLIST,
            "detail_only_per_query": engine.EMBED_DETAIL_SHORTLIST,
            "photo": photo,
            "query_matched": query_matched,
            # The condition the times were taken under: fingerprinting limits BLAS to
            # one thread (more spin against the match's own second thread).
            "blas_threads": sorted(
                {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}
            ),
            **{k: round(v, 1) for k, v in baseline.items()},
        }
        if as_json:
            self.stdout.write(json.dumps(result))
        else:
            for key, value in result.items():
                self.stdout.write(f"{key:24} {value}")
