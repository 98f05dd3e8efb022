"""The statistics tables: one builder per table, shared by the page, charts and CSV."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from dashboard import stats
from designs.models import FabricDesign


@dataclass
class Table:
    key: str
    title: str
    header: Sequence[str]
    rows: list[Sequence] = field(default_factory=list)
    chart: str = ""  # "bar", "donut" or "" for a table only


TABLES: dict[str, Callable[[stats.Period], Table]] = {}


def table(key: str) -> Callable:
    def register(
        builder: Callable[[stats.Period], Table],
    ) -> Callable[[stats.Period], Table]:
        TABLES[key] = builder
        return builder

    return register


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@table("registrations")
def registrations(period: stats.Period) -> Table:
    data = stats.registrations_per_month(period)
    rows = [
        (f"{m:%Y-%m}", s, r)
        for m, s, r in zip(
            data["months"], data["submitted"], data["registered"], strict=True
        )
    ]
    return Table(
        "registrations",
        _("Registrations per month"),
        [_("Month"), _("Designs submitted"), _("Designs registered")],
        rows,
        "bar",
    )


@table("review-times")
def review_times(period: stats.Period) -> Table:
    data = stats.review_times(period)
    rows = [
        (_("Decisions"), data["decisions"]),
        (_("Registered"), data["registered"]),
        (_("Returned for changes"), data["returned"]),
        (_("Rejected"), data["rejected"]),
        (_("Median days to decision"), _days(data["median_days"])),
        (_("90th percentile days to decision"), _days(data["p90_days"])),
    ]
    return Table(
        "review-times", _("Registration review"), [_("Measure"), _("Value")], rows
    )


@table("registered-categories")
def registered_categories(period: stats.Period) -> Table:
    rows = stats.registered_by_category(period)
    return Table(
        "registered-categories",
        _("Registered designs by category"),
        [_("Category"), _("Designs")],
        rows,
        "donut",
    )


def _yuan(value) -> str:
    return f"{value:,.2f}"


@table("complaints")
def complaints(period: stats.Period) -> Table:
    from dashboard import case_stats

    data = case_stats.complaints_per_month(period)
    rows = [
        (f"{m:%Y-%m}", f, a, c)
        for m, f, a, c in zip(
            data["months"], data["filed"], data["accepted"], data["closed"], strict=True
        )
    ]
    return Table(
        "complaints",
        _("Complaints per month"),
        [_("Month"), _("Filed"), _("Accepted"), _("Closed")],
        rows,
        "bar",
    )


OUTCOME_LABELS = {
    "settled": _("Settled by agreement"),
    "not_infringing": _("Not infringing"),
    "referred": _("Referred"),
    "withdrawn": _("Withdrawn"),
    "not_accepted": _("Not accepted"),
    "closed_other": _("Closed otherwise"),
}


@table("outcomes")
def outcomes(period: stats.Period) -> Table:
    from dashboard import case_stats

    mix = case_stats.outcome_mix(period)
    rows = [(OUTCOME_LABELS[k], n) for k, n in mix.items()]
    return Table(
        "outcomes",
        _("Outcomes of closed cases"),
        [_("Outcome"), _("Cases")],
        rows,
        "donut",
    )


@table("money")
def money(period: stats.Period) -> Table:
    from dashboard import case_stats

    m = case_stats.money(period)
    rows = [
        (_("Agreements in effect"), m["agreements"]),
        (_("Compensation agreed (¥)"), _yuan(m["compensation_agreed"])),
        (_("Compensation paid (¥)"), _yuan(m["compensation_paid"])),
        (_("Licence fees agreed (¥)"), _yuan(m["licence_agreed"])),
        (_("Licence fees paid (¥)"), _yuan(m["licence_paid"])),
    ]
    return Table(
        "money", _("Compensation and licence fees"), [_("Measure"), _("Value")], rows
    )


@table("most-infringed")
def most_infringed(period: stats.Period) -> Table:
    from dashboard import case_stats

    rows = case_stats.most_infringed_designs(period)
    return Table(
        "most-infringed",
        _("Most infringed designs"),
        [_("Registration number"), _("Title"), _("Cases determined infringing")],
        rows,
    )


@table("categories-copied")
def categories_copied(period: stats.Period) -> Table:
    from dashboard import case_stats

    rows = case_stats.categories_copied(period)
    return Table(
        "categories-copied",
        _("Design categories most copied"),
        [_("Category"), _("Cases")],
        rows,
        "donut",
    )


def all_tables(period: stats.Period) -> list[Table]:
    return [builder(period) for builder in TABLES.values()]


def at_a_glance(user) -> dict:
    """Everything the staff dashboard shows above the fold."""
    from cases.models import Case
    from cases.reports import dashboard_context
    from dashboard import charts

    overview = stats.registry_overview()
    by_stage = dict(
        Case.objects.open().values_list("status").annotate(n=Count("pk")).order_by()
    )
    stages = [
        (Case.Status(s).label, by_stage[s])
        for s in Case.Status.values
        if by_stage.get(s)
    ]
    stage_chart = (
        charts.hbar_chart(stages, title=str(_("Open cases by stage"))) if stages else ""
    )
    return {
        "stage_chart": stage_chart,
        "open_by_stage": stages,
        "awaiting_review": overview[FabricDesign.Status.SUBMITTED],
        "registered_total": overview[FabricDesign.Status.REGISTERED],
        "registry_overview": [
            (FabricDesign.Status(s).label, n) for s, n in overview.items()
        ],
        **dashboard_context(user),
    }
