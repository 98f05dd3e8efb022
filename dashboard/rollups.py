"""Monthly roll-ups: figures of past months are computed once and kept.

Every figure the statistics page shows is a sum over months of something that, once a
month is over, no longer changes: audit entries are append-only and stamped with the time
they are written, closures and payments are stamped when recorded. So a complete past
month is computed once and stored; a period is the stored months plus the partial months
at its edges (always including the running month), computed live. The page then reads a
bounded number of rows whatever the period, instead of scanning every case in it.
The running month is recomputed at most every IPCENTER_STATS_LIVE_SECONDS (default 300).

`python manage.py rebuild_rollups` recomputes them (after a bulk import with historical
times, or a change to how a figure is computed).
"""

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard.models import MonthlyRollup
from dashboard.stats import Period


def month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(
        days=1
    )


def split(
    period: Period, *, today: datetime.date | None = None
) -> list[tuple[Period, bool]]:
    """Cut a period into months; say which are complete past months (cacheable)."""
    this_month = (today or timezone.localdate()).replace(day=1)
    pieces = []
    for month in period.months():
        start, end = max(month, period.start), min(month_end(month), period.end)
        whole = start == month and end == month_end(month)
        pieces.append((Period(start, end), whole and month < this_month))
    return pieces


def collect(
    metric: str,
    period: Period,
    compute: Callable[[Period], dict],
    *,
    today: datetime.date | None = None,
) -> list[tuple[datetime.date, dict]]:
    """Return [(month, data)] for the period, from stored roll-ups where possible."""
    pieces = split(period, today=today)
    cacheable = [p.start for p, ok in pieces if ok]
    stored = dict(
        MonthlyRollup.objects.filter(metric=metric, month__in=cacheable).values_list(
            "month", "data"
        )
    )
    out = []
    for piece, ok in pieces:
        month = piece.start.replace(day=1)
        if ok and month in stored:
            data = stored[month]
        elif ok:
            data = compute(piece)
            _store(metric, month, data)
        else:
            data = _live(metric, piece, compute)
        out.append((month, data))
    return out


def _live(metric: str, piece: Period, compute: Callable[[Period], dict]) -> dict:
    """Compute a month still running, reusing the result for a few minutes.

    The running month of a busy center holds tens of thousands of audit entries; a
    director reloading the page does not need them recounted more than every few minutes.
    """
    key = f"dashboard:live:{metric}:{piece.start}:{piece.end}"
    data = cache.get(key)
    if data is None:
        data = compute(piece)
        cache.set(key, data, settings.IPCENTER_STATS_LIVE_SECONDS)
    return data


def _store(metric: str, month: datetime.date, data: dict) -> None:
    try:
        with transaction.atomic():
            MonthlyRollup.objects.create(metric=metric, month=month, data=data)
    except IntegrityError:  # another request stored the same month first
        pass


def rebuild(metrics: Iterable[str] | None = None) -> int:
    """Forget stored months so they are recomputed on the next view; return rows removed."""
    rows = MonthlyRollup.objects.all()
    if metrics is not None:
        rows = rows.filter(metric__in=list(metrics))
    deleted, _ = rows.delete()
    return deleted
