"""Figures for the dashboard and the statistics page: a few aggregate queries each.

Every function takes a period (first and last day, inclusive) and returns plain data,
so the same numbers feed the charts, the tables and the CSV exports.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dashboard.sql import percentiles
from dashboard.stats_math import percentile  # noqa: F401  (re-exported)
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


def _per_month(queryset, field: str, period: Period) -> list[int]:
    lo, hi = period.datetimes()
    rows = (
        queryset.filter(**{f"{field}__gte": lo, f"{field}__lt": hi})
        .annotate(month=TruncMonth(field))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()  # Meta.ordering on a foreign key would add a join
    )
    counts = Counter({_month_key(r["month"]): r["n"] for r in rows})
    return [counts[m] for m in period.months()]


def _month_key(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def registrations_per_month(period: Period) -> dict:
    """Designs submitted (first time) and registered per month of the period: one query."""
    lo, hi = period.datetimes()
    rows = (
        DesignEvent.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .filter(
            Q(to_status=Status.SUBMITTED, from_status=Status.DRAFT)
            | Q(to_status=Status.REGISTERED)
        )
        .annotate(month=TruncMonth("created_at"))
        .values("month", "to_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = Counter({(_month_key(r["month"]), r["to_status"]): r["n"] for r in rows})
    months = period.months()
    return {
        "months": months,
        "submitted": [counts[(m, Status.SUBMITTED)] for m in months],
        "registered": [counts[(m, Status.REGISTERED)] for m in months],
    }


def review_times(period: Period) -> dict:
    """Days from (re)submission to the reviewer's decision, for decisions in the period."""
    lo, hi = period.datetimes()
    decisions = DesignEvent.objects.filter(
        from_status=Status.SUBMITTED,
        to_status__in=[Status.REGISTERED, Status.RETURNED, Status.REJECTED],
        created_at__gte=lo,
        created_at__lt=hi,
        stage_started_at__isnull=False,
    )
    outcomes = dict(
        decisions.values_list("to_status").annotate(n=Count("pk")).order_by()
    )
    waited = ExpressionWrapper(
        F("created_at") - F("stage_started_at"), output_field=DurationField()
    )
    p = percentiles(decisions, waited, [50, 90], duration=True)
    return {
        "decisions": sum(outcomes.values()),
        "median_days": p[50],
        "p90_days": p[90],
        "registered": outcomes.get(Status.REGISTERED, 0),
        "returned": outcomes.get(Status.RETURNED, 0),
        "rejected": outcomes.get(Status.REJECTED, 0),
    }


def registry_overview() -> dict:
    """Counts of designs by status (not period-bound): the registry as it stands."""
    counts = dict(FabricDesign.objects.values_list("status").annotate(n=Count("pk")))
    return {status: counts.get(status, 0) for status in Status.values}


def registered_by_category(period: Period) -> list[tuple[str, int]]:
    rows = (
        FabricDesign.objects.registered()
        .filter(registered_on__gte=period.start, registered_on__lte=period.end)
        .values("category")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    labels = dict(FabricDesign.Category.choices)
    return [(str(labels.get(r["category"], r["category"])), r["n"]) for r in rows]
