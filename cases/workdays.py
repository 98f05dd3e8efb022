"""Working days on the official Chinese calendar, and the deadline of each stage.

Statutory holidays are off and weekend make-up workdays (调休) are on. The
`chinese-calendar` package carries the published years; the administrator enters
later years (CalendarYear/CalendarDay), and those entries also override the package.
A year known to neither falls back to Monday–Friday and the result is flagged.
"""

import datetime
from dataclasses import dataclass

import chinese_calendar

from cases.models import CalendarDay, CalendarYear, Case, StageLimit

WORKING = StageLimit.Unit.WORKING
CALENDAR = StageLimit.Unit.CALENDAR

# DOMAIN.md's default limits; the administrator overrides them with StageLimit rows.
DEFAULT_LIMITS: dict[str, tuple[int, str]] = {
    Case.Status.SUBMITTED: (2, WORKING),
    Case.Status.RESUBMITTED: (2, WORKING),
    Case.Status.NEEDS_SUPPLEMENT: (10, WORKING),
    # Comparison and determination together: counted from acceptance.
    Case.Status.ACCEPTED: (5, WORKING),
    # Our choice: the center notifies the respondent within 2 working days.
    Case.Status.INFRINGING: (2, WORKING),
    Case.Status.INCONCLUSIVE: (2, WORKING),
    Case.Status.RESPONDENT_NOTIFIED: (15, CALENDAR),
    Case.Status.IN_MEDIATION: (20, WORKING),
}
# Stages that keep the deadline of the stage before them.
CARRIED_OVER = {Case.Status.IN_COMPARISON}


@dataclass(frozen=True)
class Deadline:
    date: datetime.date
    # True when some day was judged Monday–Friday for lack of a published calendar.
    estimated: bool


class WorkCalendar:
    """Answer "is this a working day?" for one computation, caching the DB lookups."""

    def __init__(self) -> None:
        self._years: dict[int, dict[datetime.date, bool] | None] = {}
        self.estimated = False

    def _manual(self, year: int) -> dict[datetime.date, bool] | None:
        if year not in self._years:
            if CalendarYear.objects.filter(year=year).exists():
                self._years[year] = dict(
                    CalendarDay.objects.filter(year_id=year).values_list(
                        "date", "is_workday"
                    )
                )
            else:
                self._years[year] = None
        return self._years[year]

    def is_workday(self, day: datetime.date) -> bool:
        manual = self._manual(day.year)
        if manual is not None:
            if day in manual:
                return manual[day]
            return day.weekday() < 5
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            # No published calendar for this year: Monday–Friday, and say so.
            self.estimated = True
            return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> Deadline:
    """Return the date `days` working days after `start` (start itself not counted)."""
    calendar = WorkCalendar()
    day = start
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return Deadline(day, calendar.estimated)


def add_calendar_days(start: datetime.date, days: int) -> Deadline:
    """Return start + days; a last day off moves to the next working day."""
    calendar = WorkCalendar()
    day = start + datetime.timedelta(days=days)
    while not calendar.is_workday(day):
        day += datetime.timedelta(days=1)
    return Deadline(day, calendar.estimated)


def limit_for(stage: str) -> tuple[int, str] | None:
    row = StageLimit.objects.filter(stage=stage).first()
    if row is not None:
        return row.days, row.unit
    return DEFAULT_LIMITS.get(stage)


def deadline_for(stage: str, start: datetime.date) -> Deadline | None:
    """Return the deadline of a stage entered on `start`, or None if it has no limit."""
    limit = limit_for(stage)
    if limit is None:
        return None
    days, unit = limit
    if unit == CALENDAR:
        return add_calendar_days(start, days)
    return add_working_days(start, days)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Count working days after start up to end (negative if end < start)."""
    calendar = WorkCalendar()
    sign = 1 if end >= start else -1
    lo, hi = (start, end) if sign == 1 else (end, start)
    count = 0
    day = lo
    while day < hi:
        day += datetime.timedelta(days=1)
        if calendar.is_workday(day):
            count += 1
    return sign * count
