import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import reports, rollups
from dashboard.models import MonthlyRollup
from dashboard.stats import Period
from designs.models import DesignEvent, FabricDesign
from tests.factories import make_design

pytestmark = pytest.mark.django_db


def test_split_marks_only_complete_past_months_cacheable():
    pieces = rollups.split(
        Period(datetime.date(2026, 1, 15), datetime.date(2026, 4, 10)),
        today=datetime.date(2026, 4, 10),
    )
    assert [(p.start, p.end, ok) for p, ok in pieces] == [
        (datetime.date(2026, 1, 15), datetime.date(2026, 1, 31), False),  # partial
        (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28), True),
        (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), True),
        (
            datetime.date(2026, 4, 1),
            datetime.date(2026, 4, 10),
            False,
        ),  # the running month
    ]


def _registered_in(month_day: datetime.datetime) -> FabricDesign:
    design = make_design(status=FabricDesign.Status.REGISTERED)
    design.events.update(created_at=month_day, stage_started_at=month_day)
    return design


def test_past_months_are_stored_once_and_agree_with_live_figures():
    tz = timezone.get_current_timezone()
    for day in (3, 9, 20):
        _registered_in(datetime.datetime(2025, 6, day, 10, tzinfo=tz))
    _registered_in(datetime.datetime(2025, 7, 1, 10, tzinfo=tz))
    period = Period(datetime.date(2025, 6, 1), datetime.date(2025, 7, 31))
    live = [
        (f"{p.start:%Y-%m}", reports.TABLES["registrations"].collect(p))
        for p, _ok in rollups.split(period)
    ]
    with CaptureQueriesContext(connection) as first:
        rows = reports.TABLES["registrations"](period).rows
    assert rows == [("2025-06", 3, 3), ("2025-07", 1, 1)]
    assert [(m, d["registered"]) for m, d in live] == [("2025-06", 3), ("2025-07", 1)]
    assert set(
        MonthlyRollup.objects.filter(metric="registrations").values_list(
            "month", flat=True
        )
    ) == {
        datetime.date(2025, 6, 1),
        datetime.date(2025, 7, 1),
    }
    with CaptureQueriesContext(connection) as second:
        assert reports.TABLES["registrations"](period).rows == rows
    assert len(second) == 1  # one read of the stored months, no counting
    assert len(second) < len(first)


def test_rebuild_forgets_stored_months_and_recount_sees_new_data():
    tz = timezone.get_current_timezone()
    _registered_in(datetime.datetime(2025, 6, 3, 10, tzinfo=tz))
    period = Period(datetime.date(2025, 6, 1), datetime.date(2025, 6, 30))
    assert reports.TABLES["registrations"](period).rows == [("2025-06", 1, 1)]
    # A bulk import with historical times lands in a stored month: stale until rebuilt.
    late = _registered_in(datetime.datetime(2025, 6, 4, 10, tzinfo=tz))
    assert reports.TABLES["registrations"](period).rows == [("2025-06", 1, 1)]
    assert rollups.rebuild() >= 1
    assert reports.TABLES["registrations"](period).rows == [("2025-06", 2, 2)]
    assert DesignEvent.objects.filter(design=late).exists()


def test_rebuild_rollups_command_stores_past_months():
    import io

    from django.core.management import call_command

    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=10)
    _registered_in(datetime.datetime.combine(last_month, datetime.time(10), tzinfo=tz))
    out = io.StringIO()
    call_command("rebuild_rollups", "--no-progress", stdout=out)
    # three years up to last month, for every table
    assert f"stored 36 months × {len(reports.TABLES)} tables" in out.getvalue()
    stored = MonthlyRollup.objects.get(
        metric="registrations", month=last_month.replace(day=1)
    )
    assert stored.data == {"submitted": 1, "registered": 1}


def test_running_month_is_reused_for_a_few_minutes(settings):
    from django.core.cache import cache

    settings.IPCENTER_STATS_LIVE_SECONDS = 300
    today = timezone.localdate()
    period = Period(today.replace(day=1), today)
    make_design(status=FabricDesign.Status.REGISTERED)
    assert reports.TABLES["registrations"](period).rows[0][2] == 1
    make_design(status=FabricDesign.Status.REGISTERED)
    assert reports.TABLES["registrations"](period).rows[0][2] == 1  # reused
    cache.clear()  # as after IPCENTER_STATS_LIVE_SECONDS
    assert reports.TABLES["registrations"](period).rows[0][2] == 2
    assert not MonthlyRollup.objects.exists()  # the running month is never stored
