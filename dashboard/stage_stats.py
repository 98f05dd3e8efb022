"""How long each stage of the mediation workflow took, in working days, and whether on time.

A stage lasts from the audit entry that entered it to the one that left it. Its deadline
is recomputed from the stage's start with today's limits and calendar (cases/workdays.py),
so a limit the administrator changed since is applied to the past too; a deadline that was
extended by hand is not known here and counts against the original limit.
"""

import datetime
from collections import defaultdict

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from cases import workdays
from cases.models import Case, CaseEvent, StageLimit
from dashboard.stats import Period

S = Case.Status
WHOLE_CASE = "whole_case"


class DayIndex:
    """Working days counted once over a span of dates, then answered by subtraction."""

    def __init__(self, start: datetime.date, end: datetime.date) -> None:
        self.first = start - datetime.timedelta(days=1)
        calendar = workdays.WorkCalendar()
        self.count: list[int] = []
        total, day = 0, self.first
        # Room after `end` for the deadlines of stages entered near it.
        while day <= end + datetime.timedelta(days=60):
            if day != self.first and calendar.is_workday(day):
                total += 1
            self.count.append(total)
            day += datetime.timedelta(days=1)
        # One query for the administrator's limits, the defaults for the rest.
        custom = {
            stage: (days, unit)
            for stage, days, unit in StageLimit.objects.values_list(
                "stage", "days", "unit"
            )
        }
        self.limits = {**workdays.DEFAULT_LIMITS, **custom}

    def _at(self, day: datetime.date) -> int:
        return self.count[min(max((day - self.first).days, 0), len(self.count) - 1)]

    def between(self, start: datetime.date, end: datetime.date) -> int:
        return self._at(end) - self._at(start)

    def deadline(self, stage: str, start: datetime.date) -> datetime.date | None:
        limit = self.limits.get(stage)
        if limit is None:
            return None
        days, unit = limit
        if unit == workdays.CALENDAR:
            day = start + datetime.timedelta(days=days)
            target = self._at(day)
            # A last day off moves to the next working day.
            while self._at(day) == target and not self._is_workday(day):
                day += datetime.timedelta(days=1)
            return day
        target, day = self._at(start) + days, start
        while self._at(day) < target:
            day += datetime.timedelta(days=1)
        return day

    def _is_workday(self, day: datetime.date) -> bool:
        return self._at(day) > self._at(day - datetime.timedelta(days=1))


def stage_durations(period: Period) -> dict:
    """Per stage left in the period: {working days: count} and how many were on time."""
    lo, hi = period.datetimes()
    # order_by(): Meta.ordering would join the case table into every lookup.
    entered = (
        CaseEvent.objects.filter(case=OuterRef("case"), seq=OuterRef("seq") - 1)
        .order_by()
        .values("created_at")[:1]
    )
    # The comparison stage keeps the deadline counted from acceptance, one entry earlier.
    accepted = (
        CaseEvent.objects.filter(case=OuterRef("case"), seq=OuterRef("seq") - 2)
        .order_by()
        .values("created_at")[:1]
    )
    rows = (
        CaseEvent.objects.filter(created_at__gte=lo, created_at__lt=hi, seq__gt=1)
        .annotate(
            entered=Subquery(entered),
            accepted=Subquery(accepted),
            filed=F("case__submitted_at"),
        )
        .values_list(
            "from_status", "to_status", "entered", "accepted", "filed", "created_at"
        )
        .order_by()
    )
    index = DayIndex(period.start - datetime.timedelta(days=400), period.end)
    tz = timezone.get_current_timezone()
    deadlines: dict[tuple[str, datetime.date], datetime.date | None] = {}

    def deadline_of(stage: str, start: datetime.date) -> datetime.date | None:
        # Thousands of stages start on a few dozen days: compute each deadline once.
        key = (stage, start)
        if key not in deadlines:
            deadlines[key] = index.deadline(stage, start)
        return deadlines[key]

    hist: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    on_time: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for stage, to, entered_at, accepted_at, filed_at, left_at in rows:
        if entered_at is None:
            continue
        start, end = entered_at.astimezone(tz).date(), left_at.astimezone(tz).date()
        hist[stage][str(index.between(start, end))] += 1
        if stage in workdays.CARRIED_OVER and accepted_at is not None:
            deadline = deadline_of(S.ACCEPTED, accepted_at.astimezone(tz).date())
        else:
            deadline = deadline_of(stage, start)
        if deadline is not None:
            on_time[stage][0] += end <= deadline
            on_time[stage][1] += 1
        if to in Case.FINAL and filed_at is not None:
            hist[WHOLE_CASE][
                str(index.between(filed_at.astimezone(tz).date(), end))
            ] += 1
    return {"hist": {k: dict(v) for k, v in hist.items()}, "on_time": dict(on_time)}
