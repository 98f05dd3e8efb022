"""Registry figures for the dashboard and the statistics page.

Collectors take a period of at most a month and return plain, JSON-able data that adds
up across months (see dashboard/rollups.py), so the same numbers feed the charts, the
tables and the CSV exports whether they were stored or computed just now.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from designs.models import DesignEvent, FabricDesign

Status = FabricDesign.Status


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @classmethod
    def last_months(
        cls, months: int = 12, *, today: datetime.date | None = None
    ) -> "Period":
        today = today or timezone.localdate()
        start = today.replace(day=1)
        for _ in range(months - 1):
            start = (start - datetime.timedelta(days=1)).replace(day=1)
        return cls(start, today)

    def months(self) -> list[datetime.date]:
        out, month = [], self.start.replace(day=1)
        while month <= self.end:
            out.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return out

    def datetimes(self) -> tuple[datetime.datetime, datetime.datetime]:
        """Aware bounds in the center's time zone: [start 00:00, end+1 00:00)."""
        tz = timezone.get_current_timezone()
        lo = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        hi = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        return lo, hi


def _month_key(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


# --- collectors: one period (at most a month) in, combinable plain data out -----------


def registrations(period: Period) -> dict[str, int]:
    """Designs submitted (first time) and registered in the period: one query."""
    lo, hi = period.datetimes()
    rows = (
        DesignEvent.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .filter(
            Q(to_status=Status.SUBMITTED, from_status=Status.DRAFT)
            | Q(to_status=Status.REGISTERED)
        )
        .values("to_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {r["to_status"]: r["n"] for r in rows}
    return {
        "submitted": counts.get(Status.SUBMITTED, 0),
        "registered": counts.get(Status.REGISTERED, 0),
    }


def review(period: Period) -> dict:
    """Reviewer decisions in the period and how long each waited, in whole hours."""
    lo, hi = period.datetimes()
    decisions = DesignEvent.objects.filter(
        from_status=Status.SUBMITTED,
        to_status__in=[Status.REGISTERED, Status.RETURNED, Status.REJECTED],
        created_at__gte=lo,
        created_at__lt=hi,
        stage_started_at__isnull=False,
    ).values_list("to_status", "created_at", "stage_started_at")
    hours: Counter = Counter()
    outcomes: Counter = Counter()
    for status, decided, started in decisions:
        hours[str(round((decided - started).total_seconds() / 3600))] += 1
        outcomes[status] += 1
    return {
        "hours": dict(hours),
        **{
            s: outcomes[s]
            for s in (Status.REGISTERED, Status.RETURNED, Status.REJECTED)
        },
    }


def registered_categories(period: Period) -> dict[str, int]:
    rows = (
        FabricDesign.objects.registered()
        .filter(registered_on__gte=period.start, registered_on__lte=period.end)
        .values("category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["category"]: r["n"] for r in rows}


def registry_overview() -> dict:
    """Counts of designs by status (not period-bound): the registry as it stands."""
    counts = dict(
        FabricDesign.objects.values_list("status").annotate(n=Count("pk")).order_by()
    )
    return {status: counts.get(status, 0) for status in Status.values}
