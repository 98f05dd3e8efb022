import datetime

import pytest

from cases import workdays
from cases.models import CalendarDay, CalendarYear, Case, StageLimit

pytestmark = pytest.mark.django_db
D = datetime.date


def test_five_working_days_over_national_day():
    # Sun 28 Sep is a make-up workday; 1–8 Oct are holidays.
    result = workdays.add_working_days(D(2025, 9, 26), 5)
    assert result == workdays.Deadline(D(2025, 10, 10), estimated=False)


def test_make_up_workday_counts_and_spring_festival_is_off():
    # Fri 2 Jan 2026 + 1 working day = Sun 4 Jan (调休).
    assert workdays.add_working_days(D(2026, 1, 2), 1).date == D(2026, 1, 4)
    # Spring Festival 2026: 15–23 Feb off, Sat 28 Feb worked.
    assert workdays.add_working_days(D(2026, 2, 13), 1).date == D(2026, 2, 14)
    assert workdays.add_working_days(D(2026, 2, 14), 1).date == D(2026, 2, 24)


def test_year_without_calendar_falls_back_to_weekdays_and_flags():
    result = workdays.add_working_days(D(2031, 9, 26), 5)
    assert result == workdays.Deadline(D(2031, 10, 3), estimated=True)


def test_administrator_entered_year_is_used_and_not_flagged():
    year = CalendarYear.objects.create(year=2031, note="国务院办公厅通知")
    CalendarDay.objects.create(year=year, date=D(2031, 10, 1), name="国庆节")
    CalendarDay.objects.create(year=year, date=D(2031, 10, 2), name="国庆节")
    CalendarDay.objects.create(year=year, date=D(2031, 9, 27), is_workday=True)
    # Fri 26 Sep: Sat 27 (worked), 29, 30, 3 Oct, 6 Oct.
    result = workdays.add_working_days(D(2031, 9, 26), 5)
    assert result == workdays.Deadline(D(2031, 10, 6), estimated=False)


def test_calendar_day_limit_ending_on_holiday_moves_to_next_working_day():
    # 15 calendar days after 20 Sep 2025 is 5 Oct, a holiday: next working day 9 Oct.
    assert workdays.add_calendar_days(D(2025, 9, 20), 15).date == D(2025, 10, 9)


def test_administrator_limit_overrides_default():
    assert workdays.deadline_for(Case.Status.ACCEPTED, D(2025, 9, 26)).date == D(
        2025, 10, 10
    )
    StageLimit.objects.create(stage=Case.Status.ACCEPTED, days=1, unit="working")
    assert workdays.deadline_for(Case.Status.ACCEPTED, D(2025, 9, 26)).date == D(
        2025, 9, 28
    )
    assert workdays.deadline_for(Case.Status.REFERRED, D(2025, 9, 26)) is None


def test_working_days_between():
    assert workdays.working_days_between(D(2025, 9, 26), D(2025, 10, 10)) == 5
    assert workdays.working_days_between(D(2025, 10, 10), D(2025, 9, 26)) == -5
