"""Benchmark the staff queue and verify_audit on a throwaway database.

Run:  IPCENTER_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipc_bench \
      /work/venv/bin/python -m tests.cases.bench_cases [N]
(the test database "test_<name>" is created and dropped; nothing else is touched).
"""

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings")


def main(n: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
    )

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    import tempfile

    settings.MEDIA_ROOT = tempfile.mkdtemp()
    settings.SEARCH_INDEX_DIR = tempfile.mkdtemp()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        _run(n, Client, CaptureQueriesContext, connection)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _run(n, Client, CaptureQueriesContext, connection) -> None:
    from accounts import roles
    from cases import services
    from cases.audit import verify_all
    from cases.models import Case, CaseEvent
    from tests.factories import make_case, make_staff

    # A few real cases through the services, then copies made in bulk.
    seeds = [make_case(status=s) for s in ("submitted", "accepted", "in_mediation")]
    template = seeds[0]
    designs = list(template.designs.all())
    rows = []
    for i in range(n):
        rows.append(
            Case(
                number=f"TS-2099-{i:06d}",
                status=["submitted", "accepted", "in_comparison", "in_mediation"][
                    i % 4
                ],
                complainant=template.complainant,
                contact_person="张三",
                contact_phone="13800000000",
                respondent_name=f"摊位{i}",
                respondent_stall=f"B区{i % 9}-{i}",
                found_place="南通家纺城",
                submitted_at=template.submitted_at,
                deadline=template.deadline,
                undertaking=True,
            )
        )
    t = time.perf_counter()
    created = Case.objects.bulk_create(rows, batch_size=1000)
    Case.designs.through.objects.bulk_create(
        [Case.designs.through(case=c, fabricdesign=designs[0]) for c in created],
        batch_size=2000,
    )
    print(f"bulk-created {n} cases in {time.perf_counter() - t:.1f}s")

    staff = make_staff(roles.MEDIATOR)
    client = Client()
    client.force_login(staff)
    client.get("/cases/queue/")
    for label, query in [
        ("queue, first page", ""),
        ("queue, stall filter", "?stall=B区3"),
        ("queue, text search", "?q=摊位12"),
        ("queue, due soon sorted", "?due=soon&within=5&o=deadline"),
        ("queue, page 40", "?page=40"),
    ]:
        best = None
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                t = time.perf_counter()
                r = client.get("/cases/queue/" + query)
                elapsed = time.perf_counter() - t
            assert r.status_code == 200
            best = elapsed if best is None else min(best, elapsed)
        print(f"{label}: {best * 1000:.0f} ms, {len(queries)} queries")
        if os.environ.get("BENCH_SQL"):
            for q in queries.captured_queries:
                print(f"   {q['time']}s {q['sql'][:150]}")

    # verify_audit over real chains: walk cases through the services.
    for _ in range(50):
        make_case(status="closed")
    events = CaseEvent.objects.count()
    t = time.perf_counter()
    broken = list(verify_all())
    print(
        f"verify_audit: {Case.objects.count()} cases, {events} events in "
        f"{time.perf_counter() - t:.2f}s, broken: {len(broken)}"
    )
    from designs.models import FabricDesign
    from tests.factories import make_design, make_draft_case

    owners_designs = [
        make_design(status=FabricDesign.Status.REGISTERED) for _ in range(20)
    ]
    t = time.perf_counter()
    for design in owners_designs:
        case = make_draft_case(design=design)
        services.submit_complaint(case, by=case.complainant)
    per = (time.perf_counter() - t) / 20
    print(
        f"file a complaint (draft with 1 photo + submit, no image matcher): {per * 1000:.0f} ms"
    )
    _ = services


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
