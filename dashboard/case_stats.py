"""Case collectors for the statistics page: one period (at most a month) in, plain data out."""

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce

from cases.models import AgreementTerm, Case, CaseEvent
from dashboard.stats import Period

S = Case.Status

OUTCOMES = [
    "settled",
    "not_infringing",
    "referred",
    "withdrawn",
    "not_accepted",
    "closed_other",
]
MONEY = ["compensation_agreed", "compensation_paid", "licence_agreed", "licence_paid"]


def complaints(period: Period) -> dict[str, int]:
    """Complaints filed, accepted and closed (any final stage) in the period."""
    lo, hi = period.datetimes()
    return {
        "filed": Case.objects.filter(submitted_at__gte=lo, submitted_at__lt=hi).count(),
        "accepted": CaseEvent.objects.filter(
            to_status=S.ACCEPTED, created_at__gte=lo, created_at__lt=hi
        ).count(),
        "closed": Case.objects.filter(
            status__in=Case.FINAL, closed_at__gte=lo, closed_at__lt=hi
        ).count(),
    }


def _reached(status: str) -> Exists:
    return Exists(CaseEvent.objects.filter(case=OuterRef("pk"), to_status=status))


def outcomes(period: Period) -> dict[str, int]:
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


def money(period: Period) -> dict[str, str | int]:
    """Compensation and licence fees agreed (agreement in effect) and paid, in the period.

    Amounts are strings of yuan with two decimals, so they survive JSON exactly.
    """
    lo, hi = period.datetimes()
    money_field = DecimalField(max_digits=14, decimal_places=2)
    zero = Value(0, output_field=money_field)
    # A compensation term's amount is the sum; a licence fee is per item times pieces.
    compensation = Coalesce(F("amount"), zero, output_field=money_field)
    licence = Coalesce(
        F("amount") * Coalesce(F("quantity"), Value(1)), zero, output_field=money_field
    )
    pay, lic = Q(kind=AgreementTerm.Kind.PAY), Q(kind=AgreementTerm.Kind.LICENCE)
    agreed_in = Q(agreement__effective_at__gte=lo, agreement__effective_at__lt=hi)
    paid_in = Q(performed_at__gte=lo, performed_at__lt=hi)
    row = AgreementTerm.objects.filter(agreed_in | paid_in).aggregate(
        compensation_agreed=Coalesce(Sum(compensation, filter=pay & agreed_in), zero),
        compensation_paid=Coalesce(Sum(compensation, filter=pay & paid_in), zero),
        licence_agreed=Coalesce(Sum(licence, filter=lic & agreed_in), zero),
        licence_paid=Coalesce(Sum(licence, filter=lic & paid_in), zero),
        agreements=Count("agreement", filter=agreed_in, distinct=True),
    )
    return {**{k: f"{row[k]:.2f}" for k in MONEY}, "agreements": row["agreements"]}


def _links_of_infringing(period: Period):
    """(case, design) links for cases determined infringing in the period."""
    lo, hi = period.datetimes()
    infringing = CaseEvent.objects.filter(
        to_status=S.INFRINGING, created_at__gte=lo, created_at__lt=hi
    ).values("case")
    return Case.designs.through.objects.filter(case__in=infringing)


def infringed_designs(period: Period) -> dict[str, int]:
    """Design id → cases determined infringing in the period that relied on it."""
    rows = (
        _links_of_infringing(period)
        .values("fabricdesign")
        .annotate(n=Count("case", distinct=True))
        .order_by()
    )
    return {str(r["fabricdesign"]): r["n"] for r in rows}


def copied_categories(period: Period) -> dict[str, int]:
    rows = (
        _links_of_infringing(period)
        .values("fabricdesign__category")
        .annotate(n=Count("case", distinct=True))
        .order_by()
    )
    return {r["fabricdesign__category"]: r["n"] for r in rows}
