"""Percentiles in the database where it can (PostgreSQL), in Python where it cannot."""

import datetime

from django.db import connection
from django.db.models import (
    Aggregate,
    DurationField,
    Expression,
    F,
    FloatField,
    QuerySet,
)

from dashboard.stats_math import percentile


class PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        # The fraction is our own constant, never user input, so inlining it is safe.
        super().__init__(expression, fraction=f"{float(fraction):.4f}", **extra)


def percentiles(
    queryset: QuerySet, expression: Expression, qs: list[int], *, duration: bool = False
) -> dict[int, float | None]:
    """Return {q: value} for each percentile q of expression over the queryset.

    Durations come back in days (float).
    """
    if connection.vendor == "postgresql":
        output = DurationField() if duration else FloatField()
        aggregates = {
            f"p{q}": PercentileCont(expression, q / 100, output_field=output)
            for q in qs
        }
        row = queryset.aggregate(**aggregates)
        return {q: _days(row[f"p{q}"]) if duration else row[f"p{q}"] for q in qs}
    values = [
        v
        for v in queryset.annotate(_v=expression).values_list("_v", flat=True)
        if v is not None
    ]
    if duration:
        values = [_days(v) for v in values]
    return {q: percentile(values, q) for q in qs}


def _days(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 86400
    return float(value) / 86400 / 1_000_000  # SQLite returns microseconds


__all__ = ["F", "PercentileCont", "percentiles"]
