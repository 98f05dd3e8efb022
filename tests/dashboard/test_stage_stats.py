import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent
from dashboard import reports, stage_stats
from dashboard.stats import Period
from tests.factories import make_case

pytestmark = pytest.mark.django_db
S = Case.Status


def _at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day),
        datetime.time(hour),
        tzinfo=timezone.get_current_timezone(),
    )


def _case_with_times(*days: str) -> Case:
    """An infringing case whose four moves happened on the given days."""
    case = make_case(status=S.INFRINGING)
    moves = list(case.events.order_by("seq"))
    assert [(e.from_status, e.to_status) for e in moves] == [
        ("draft", "submitted"),
        ("submitted", "accepted"),
        ("accepted", "in_comparison"),
        ("in_comparison", "infringing"),
    ]
    for event, day in zip(moves, days, strict=True):
        CaseEvent.objects.filter(pk=event.pk).update(created_at=_at(day))
    Case.objects.filter(pk=case.pk).update(submitted_at=_at(days[0]))
    return case


def test_day_index_matches_the_official_calendar():
    index = stage_stats.DayIndex(datetime.date(2025, 9, 1), datetime.date(2025, 10, 31))
    # DOMAIN.md's check: accepted Fri 26 Sep 2025 + 5 working days = Fri 10 Oct 2025
    # (National Day 1–8 Oct off; Sun 28 Sep and Sat 11 Oct are make-up workdays).
    assert index.deadline(S.ACCEPTED, datetime.date(2025, 9, 26)) == datetime.date(
        2025, 10, 10
    )
    assert index.between(datetime.date(2025, 9, 26), datetime.date(2025, 9, 29)) == 2
    assert index.between(datetime.date(2025, 9, 29), datetime.date(2025, 10, 10)) == 3


def test_stage_table_matches_hand_computed_fixture():
    # On time: comparison ends on the deadline, Fri 10 Oct.
    _case_with_times("2025-09-24", "2025-09-26", "2025-09-29", "2025-10-10")
    # Late: comparison ends on Sat 11 Oct, a make-up workday after the deadline.
    _case_with_times("2025-09-24", "2025-09-26", "2025-09-29", "2025-10-11")
    table = reports.TABLES["stage-times"](
        Period(datetime.date(2025, 9, 1), datetime.date(2025, 10, 31))
    )
    rows = {str(r[0]): r[1:] for r in table.rows}
    assert rows["Submitted"] == (2, "2.0", "2.0", "100%")  # 25, 26 Sep
    assert rows["Accepted (受理)"] == (
        2,
        "2.0",
        "2.0",
        "100%",
    )  # Sun 28 (make-up), Mon 29 Sep
    assert rows["In comparison (比对)"] == (
        2,
        "3.5",
        "3.9",
        "50%",
    )  # 3 and 4 working days
