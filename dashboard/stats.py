"""Figures for the dashboard and the statistics page: a few aggregate queries each.

Every function takes a period (first and last day, inclusive) and returns plain data,
so the same numbers feed the charts, the tables and the CSV exports.
"""

import datetime
import statistics
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import TruncMonth
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


def percentile(values: list[float], q: float) -> float | None:
    """Return the q-th percentile (0–100) by linear interpolation, None for no data."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _per_month(queryset, field: str, period: Period) -> list[int]:
    lo, hi = period.datetimes()
    rows = (
        queryset.filter(**{f"{field}__gte": lo, f"{field}__lt": hi})
        .annotate(month=TruncMonth(field))
        .values("month")
        .annotate(n=Count("pk"))
    )
    counts = Counter({_month_key(r["month"]): r["n"] for r in rows})
    return [counts[m] for m in period.months()]


def _month_key(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def registrations_per_month(period: Period) -> dict:
    """Designs submitted and registered per month of the period."""
    submitted = _per_month(
        DesignEvent.objects.filter(
            to_status=Status.SUBMITTED, from_status=Status.DRAFT
        ),
        "created_at",
        period,
    )
    registered = _per_month(
        DesignEvent.objects.filter(to_status=Status.REGISTERED), "created_at", period
    )
    return {"months": period.months(), "submitted": submitted, "registered": registered}


def review_times(period: Period) -> dict:
    """Days from (re)submission to the reviewer's decision, for decisions in the period."""
    lo, hi = period.datetimes()
    last_submission = (
        DesignEvent.objects.filter(
            design=OuterRef("design"),
            to_status=Status.SUBMITTED,
            created_at__lte=OuterRef("created_at"),
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    decisions = (
        DesignEvent.objects.filter(
            from_status=Status.SUBMITTED,
            to_status__in=[Status.REGISTERED, Status.RETURNED, Status.REJECTED],
            created_at__gte=lo,
            created_at__lt=hi,
        )
        .annotate(submitted=Subquery(last_submission))
        .values_list("to_status", "created_at", "submitted")
    )
    days = [
        (decided - submitted).total_seconds() / 86400
        for _, decided, submitted in decisions
        if submitted
    ]
    outcomes = Counter(status for status, _, _ in decisions)
    return {
        "decisions": len(days),
        "median_days": statistics.median(days) if days else None,
        "p90_days": percentile(days, 90),
        "registered": outcomes[Status.REGISTERED],
        "returned": outcomes[Status.RETURNED],
        "rejected": outcomes[Status.REJECTED],
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
