import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import User
from dashboard import charts, reports, stats, stats_math
from designs.models import DesignEvent, FabricDesign
from ipcenter.csvutil import csv_response
from tests.factories import make_design, make_staff, make_user

pytestmark = pytest.mark.django_db


def test_percentile_matches_hand_computation():
    assert stats_math.percentile([], 90) is None
    assert stats_math.percentile([4], 90) == 4
    # 10 values 1..10: position 0.9*9 = 8.1 → 9 + 0.1*(10-9)
    assert stats_math.percentile(list(range(1, 11)), 90) == pytest.approx(9.1)
    assert stats_math.percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)


def test_period_months_cover_the_range():
    period = stats.Period(datetime.date(2025, 11, 15), datetime.date(2026, 2, 3))
    assert period.months() == [
        datetime.date(2025, 11, 1),
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]
    assert stats.Period.last_months(
        12, today=datetime.date(2026, 11, 27)
    ).start == datetime.date(2025, 12, 1)


def _set_event_times(design, when: dict[str, datetime.datetime]) -> None:
    """Move the design's events to the given times, each stage starting at the last."""
    previous = None
    for status, at in when.items():
        DesignEvent.objects.filter(design=design, to_status=status).update(
            created_at=at, stage_started_at=previous or at
        )
        previous = at


def test_registration_figures_match_a_hand_computed_fixture():
    tz = timezone.get_current_timezone()
    d = lambda *a: datetime.datetime(*a, tzinfo=tz)  # noqa: E731
    a = make_design(status=FabricDesign.Status.REGISTERED)  # 2 days to decision
    b = make_design(status=FabricDesign.Status.REGISTERED)  # 4 days
    c = make_design(status=FabricDesign.Status.REJECTED)  # 10 days
    _set_event_times(a, {"submitted": d(2026, 3, 2, 9), "registered": d(2026, 3, 4, 9)})
    _set_event_times(
        b, {"submitted": d(2026, 3, 30, 9), "registered": d(2026, 4, 3, 9)}
    )
    _set_event_times(c, {"submitted": d(2026, 4, 1, 9), "rejected": d(2026, 4, 11, 9)})
    period = stats.Period(datetime.date(2026, 3, 1), datetime.date(2026, 4, 30))
    per_month = reports.TABLES["registrations"](period).rows
    assert per_month == [("2026-03", 2, 1), ("2026-04", 1, 1)]
    review = dict(reports.TABLES["review-times"](period).rows)
    assert review["Decisions"] == 3
    assert review["Median days to decision"] == "4.0"
    assert review["90th percentile days to decision"] == "8.8"  # 4 + 0.8 × (10 − 4)
    assert (review["Registered"], review["Rejected"]) == (2, 1)


def test_percentile_of_counts_equals_the_expanded_percentile():
    counts = {48: 1, 96: 2, 240: 1, 5: 3}
    expanded = [v for v, n in counts.items() for _ in range(n)]
    for q in (0, 10, 50, 90, 100):
        assert stats_math.percentile_of_counts(counts, q) == pytest.approx(
            stats_math.percentile(expanded, q)
        )
    assert stats_math.percentile_of_counts({}, 50) is None


def test_dashboard_is_staff_only(client):
    assert client.get(reverse("dashboard:home")).status_code == 302  # to the login page
    client.force_login(make_user())
    assert client.get(reverse("dashboard:home")).status_code == 403
    assert client.get(reverse("dashboard:statistics")).status_code == 403
    assert (
        client.get(reverse("dashboard:export", args=["registrations"])).status_code
        == 403
    )


def test_dashboard_counts_registrations_awaiting_review(client):
    make_design(status=FabricDesign.Status.SUBMITTED)
    make_design(status=FabricDesign.Status.SUBMITTED)
    make_design(status=FabricDesign.Status.REGISTERED)
    client.force_login(make_staff(roles.MEDIATOR))
    response = client.get(reverse("dashboard:home"))
    assert response.context["awaiting_review"] == 2
    assert response.context["registered_total"] == 1


def test_statistics_page_has_charts_and_a_bounded_number_of_queries(client):
    client.force_login(make_staff(roles.ADMINISTRATOR))
    make_design(status=FabricDesign.Status.REGISTERED)
    all_time = {"start": "2000-01-01", "end": "2026-12-31"}
    client.get(reverse("dashboard:statistics"), all_time)  # stores the past months
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("dashboard:statistics"), all_time)
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
    for _ in range(5):
        make_design(status=FabricDesign.Status.REGISTERED)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("dashboard:statistics"), all_time)
    assert len(many) == len(few)
    assert len(few) < 40  # 27 years of months: one read per table plus live months


def test_statistics_rejects_a_backwards_period(client):
    client.force_login(make_staff(roles.INTAKE))
    response = client.get(
        reverse("dashboard:statistics"), {"start": "2026-05-01", "end": "2026-01-01"}
    )
    assert "The period must start before it ends." in response.content.decode()


def test_csv_export_has_bom_and_chinese(client):
    make_design(status=FabricDesign.Status.REGISTERED, category="curtain")
    client.force_login(make_staff(roles.INTAKE))
    today = timezone.localdate()
    response = client.get(
        reverse("dashboard:export", args=["registered-categories"]),
        {"start": f"{today.year - 1}-01-01", "end": f"{today.year}-12-31"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1] == ["窗帘", "1"]  # the zh-hans label, readable in Excel
    assert response["Content-Disposition"].startswith(
        'attachment; filename="registered-categories_'
    )


def test_csv_cells_cannot_become_formulas():
    response = csv_response("x.csv", ["a"], [['=HYPERLINK("x")'], ["-5"]])
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1] == ['\'=HYPERLINK("x")']
    assert rows[2] == ["-5"]


def test_charts_escape_labels():
    svg = charts.bar_chart(["<b>"], [charts.Series("s&p", [3])], title="<script>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "s&amp;p" in svg
    donut = charts.donut_chart([("a", 1), ("b", 3)], title="mix")
    assert "75%" in donut


def test_seed_bulk_makes_valid_cases_and_designs():
    import io
    import random

    from django.core.management import call_command

    from cases import audit
    from cases.models import Case
    from dashboard.bulk import seed_cases

    call_command(
        "seed_bulk",
        designs=60,
        cases=0,
        merchants=5,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert FabricDesign.objects.count() == 60
    merchants = list(User.objects.filter(username__startswith="bulk-m"))
    seed_cases(
        40,
        rng=random.Random(1),
        merchants=merchants,
        design_ids=list(FabricDesign.objects.values_list("pk", flat=True)),
        stdout=io.StringIO(),
    )
    assert Case.objects.count() == 40
    assert list(audit.verify_all()) == []  # every synthetic trail is a valid hash chain
    assert stats.Period.last_months(36).months()  # and the statistics run over it


def test_hbar_chart_has_one_bar_per_item():
    svg = charts.hbar_chart([("受理", 3), ("调解", 1)], title="stages")
    assert svg.count("<rect") == 2
    assert "受理" in svg


def test_period_stops_today():
    from dashboard.forms import PeriodForm

    today = timezone.localdate()
    make_design(status=FabricDesign.Status.REGISTERED)
    DesignEvent.objects.update(created_at=timezone.now() - datetime.timedelta(days=800))
    first = timezone.localdate() - datetime.timedelta(days=800)
    period = PeriodForm({"start": "2000-01-01", "end": "2099-12-31"}).period()
    assert (period.start, period.end) == (first, today)
    assert PeriodForm({"start": "2099-01-01"}).period().start == today
    assert PeriodForm({"start": "2024-01-01"}).period().start == max(
        first, datetime.date(2024, 1, 1)
    )


def test_coming_year_calendar_warning():
    from cases.models import CalendarYear
    from dashboard.reports import coming_year_calendar_warning

    assert coming_year_calendar_warning(datetime.date(2026, 6, 1)) is None  # too early
    warning = coming_year_calendar_warning(datetime.date(2026, 11, 27))
    assert warning and "2027" in warning  # chinese-calendar 1.11 stops at 2026
    assert (
        coming_year_calendar_warning(datetime.date(2025, 11, 27)) is None
    )  # 2026 published
    CalendarYear.objects.create(year=2027)
    assert coming_year_calendar_warning(datetime.date(2026, 11, 27)) is None


def test_registry_and_review_queue_export_what_is_filtered(client):
    import csv as csv_module

    make_design(
        status=FabricDesign.Status.REGISTERED, category="curtain", title="窗帘甲"
    )
    make_design(status=FabricDesign.Status.REGISTERED, category="towel", title="毛巾乙")
    make_design(
        status=FabricDesign.Status.SUBMITTED, category="curtain", title="待审丙"
    )
    body = client.get(
        reverse("designs:list"), {"category": "curtain", "format": "csv"}
    ).content.decode("utf-8-sig")
    rows = list(csv_module.reader(io.StringIO(body)))
    assert [r[1] for r in rows[1:]] == ["窗帘甲"]  # public, registered, filtered
    assert len(rows[0]) == 7  # public fields only
    client.force_login(make_staff(roles.INTAKE))
    body = client.get(
        reverse("designs:review-queue"), {"category": "curtain", "format": "csv"}
    ).content.decode("utf-8-sig")
    rows = list(csv_module.reader(io.StringIO(body)))
    assert [r[1] for r in rows[1:]] == ["待审丙"]


def test_case_queue_exports_what_is_filtered(client):
    import csv as csv_module

    from cases.models import Case
    from tests.factories import make_case

    a = make_case(status=Case.Status.SUBMITTED)
    make_case(status=Case.Status.ACCEPTED)
    client.force_login(make_staff(roles.INTAKE))
    body = client.get(
        reverse("cases:queue"), {"status": "submitted", "format": "csv"}
    ).content.decode("utf-8-sig")
    rows = list(csv_module.reader(io.StringIO(body)))
    assert [r[0] for r in rows[1:]] == [a.number]
    client.force_login(make_user())
    assert client.get(reverse("cases:queue"), {"format": "csv"}).status_code == 403


def test_bench_dashboard_reports_both_ways():
    import json

    from django.core.management import call_command

    make_staff(roles.ADMINISTRATOR, username="director")
    make_design(status=FabricDesign.Status.REGISTERED)
    out = io.StringIO()
    call_command("bench_dashboard", runs=1, json=True, baseline=True, stdout=out)
    data = json.loads(out.getvalue())
    assert set(data["rollups"]) == {
        "dashboard",
        "statistics_12_months",
        "statistics_all_time",
    }
    assert set(data["baseline"]) == {"statistics_12_months", "statistics_all_time"}
    assert all(page["queries"] > 0 for page in data["rollups"].values())
