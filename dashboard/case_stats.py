"""Case figures for the statistics page: aggregate queries over cases, events, agreements."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce

from cases.models import AgreementTerm, Case, CaseEvent
from dashboard.stats import Period, _per_month
from designs.models import FabricDesign

S = Case.Status

OUTCOMES = [
    "settled",
    "not_infringing",
    "referred",
    "withdrawn",
    "not_accepted",
    "closed_other",
]


def complaints_per_month(period: Period) -> dict:
    """Complaints filed, accepted and closed (any final stage) per month."""
    return {
        "months": period.months(),
        "filed": _per_month(
            Case.objects.exclude(submitted_at=None), "submitted_at", period
        ),
        "accepted": _per_month(
            CaseEvent.objects.filter(to_status=S.ACCEPTED), "created_at", period
        ),
        "closed": _per_month(
            Case.objects.filter(status__in=Case.FINAL), "closed_at", period
        ),
    }


def _reached(status: str) -> Exists:
    return Exists(CaseEvent.objects.filter(case=OuterRef("pk"), to_status=status))


def outcome_mix(period: Period) -> dict[str, int]:
    """How the cases closed in the period ended."""
    lo, hi = period.datetimes()
    rows = (
        Case.objects.filter(status__in=Case.FINAL, closed_at__gte=lo, closed_at__lt=hi)
        .annotate(
            was_settled=_reached(S.SETTLED), was_cleared=_reached(S.NOT_INFRINGING)
        )
        .values("status", "was_settled", "was_cleared")
        .annotate(n=Count("pk"))
        .order_by()
    )
    mix = dict.fromkeys(OUTCOMES, 0)
    for row in rows:
        status = row["status"]
        if status == S.REFERRED:
            key = "referred"
        elif status == S.WITHDRAWN:
            key = "withdrawn"
        elif status == S.NOT_ACCEPTED:
            key = "not_accepted"
        elif row["was_settled"]:
            key = "settled"
        elif row["was_cleared"]:
            key = "not_infringing"
        else:
            key = "closed_other"
        mix[key] += row["n"]
    return mix


def money(period: Period) -> dict[str, Decimal]:
    """Compensation and licence fees agreed (agreement in effect) and paid, in the period."""
    lo, hi = period.datetimes()
    money_field = DecimalField(max_digits=14, decimal_places=2)
    total = Coalesce(
        F("amount") * Coalesce(F("quantity"), Value(1)),
        Value(0),
        output_field=money_field,
    )
    pay = Q(kind=AgreementTerm.Kind.PAY)
    lic = Q(kind=AgreementTerm.Kind.LICENCE)
    agreed_in = Q(agreement__effective_at__gte=lo, agreement__effective_at__lt=hi)
    paid_in = Q(performed_at__gte=lo, performed_at__lt=hi)
    # A compensation term's amount is the sum; a licence fee is per item times pieces.
    compensation = Coalesce(F("amount"), Value(0), output_field=money_field)
    row = AgreementTerm.objects.aggregate(
        compensation_agreed=Coalesce(
            Sum(compensation, filter=pay & agreed_in),
            Value(0),
            output_field=money_field,
        ),
        compensation_paid=Coalesce(
            Sum(compensation, filter=pay & paid_in), Value(0), output_field=money_field
        ),
        licence_agreed=Coalesce(
            Sum(total, filter=lic & agreed_in), Value(0), output_field=money_field
        ),
        licence_paid=Coalesce(
            Sum(total, filter=lic & paid_in), Value(0), output_field=money_field
        ),
        agreements=Count("agreement", filter=agreed_in, distinct=True),
    )
    return row


def _infringing_in(period: Period):
    lo, hi = period.datetimes()
    return CaseEvent.objects.filter(
        to_status=S.INFRINGING, created_at__gte=lo, created_at__lt=hi
    ).values("case")


def _relied_on_in_infringing(period: Period):
    """Rows of (case, design) links for cases determined infringing in the period."""
    return Case.designs.through.objects.filter(case__in=_infringing_in(period))


def most_infringed_designs(
    period: Period, limit: int = 10
) -> list[tuple[str, str, int]]:
    """Designs relied on in cases determined infringing in the period, most first."""
    top = list(
        _relied_on_in_infringing(period)
        .values("fabricdesign")
        .annotate(n=Count("case", distinct=True))
        .order_by("-n", "fabricdesign")[:limit]
    )
    designs = FabricDesign.objects.in_bulk([row["fabricdesign"] for row in top])
    return [
        (
            designs[r["fabricdesign"]].registration_no or "—",
            designs[r["fabricdesign"]].title,
            r["n"],
        )
        for r in top
    ]


def categories_copied(period: Period) -> list[tuple[str, int]]:
    rows = (
        _relied_on_in_infringing(period)
        .values("fabricdesign__category")
        .annotate(n=Count("case", distinct=True))
        .order_by("-n")
    )
    labels = dict(FabricDesign.Category.choices)
    return [
        (
            str(labels.get(r["fabricdesign__category"], r["fabricdesign__category"])),
            r["n"],
        )
        for r in rows
    ]
