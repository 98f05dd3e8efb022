"""The statistics tables: each one collects per month (stored or live) and merges.

A table is a collector (a period of at most a month → plain data, see stats.py and
case_stats.py) plus a merge of the months into rows; rollups.py decides which months
come from storage.
"""

import datetime
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboard import case_stats, rollups, stage_stats, stats
from dashboard.stats_math import percentile_of_counts
from designs.models import FabricDesign

Months = list[tuple[datetime.date, dict]]


@dataclass
class Table:
    key: str
    title: str
    header: Sequence[str]
    rows: list[Sequence] = field(default_factory=list)
    chart: str = ""  # "bar", "donut", "hbar" or "" for a table only


@dataclass(frozen=True)
class Metric:
    key: str
    collect: Callable[[stats.Period], dict]
    build: Callable[[Months], Table]

    def __call__(self, period: stats.Period) -> Table:
        return self.build(rollups.collect(self.key, period, self.collect))


TABLES: dict[str, Metric] = {}


def metric(key: str, collect: Callable[[stats.Period], dict]) -> Callable:
    def register(build: Callable[[Months], Table]) -> Metric:
        TABLES[key] = Metric(key, collect, build)
        return TABLES[key]

    return register


def _sum(months: Months) -> Counter:
    total: Counter = Counter()
    for _month, data in months:
        total.update(data)
    return total


def _days(hours: float | None) -> str:
    return "—" if hours is None else f"{hours / 24:.1f}"


def _yuan(value) -> str:
    return f"{Decimal(value):,.2f}"


def _category_rows(counts: Counter) -> list[tuple[str, int]]:
    labels = dict(FabricDesign.Category.choices)
    return [(str(labels.get(c, c)), n) for c, n in counts.most_common() if n]


@metric("registrations", stats.registrations)
def registrations(months: Months) -> Table:
    rows = [(f"{m:%Y-%m}", d["submitted"], d["registered"]) for m, d in months]
    return Table(
        "registrations",
        _("Registrations per month"),
        [_("Month"), _("Designs submitted"), _("Designs registered")],
        rows,
        "bar",
    )


@metric("review-times", stats.review)
def review_times(months: Months) -> Table:
    hours: Counter = Counter()
    outcome: Counter = Counter()
    for _month, data in months:
        hours.update({int(h): n for h, n in data["hours"].items()})
        outcome.update({k: v for k, v in data.items() if k != "hours"})
    rows = [
        (_("Decisions"), sum(hours.values())),
        (_("Registered"), outcome["registered"]),
        (_("Returned for changes"), outcome["returned"]),
        (_("Rejected"), outcome["rejected"]),
        (_("Median days to decision"), _days(percentile_of_counts(hours, 50))),
        (_("90th percentile days to decision"), _days(percentile_of_counts(hours, 90))),
    ]
    return Table(
        "review-times", _("Registration review"), [_("Measure"), _("Value")], rows
    )


@metric("registered-categories", stats.registered_categories)
def registered_categories(months: Months) -> Table:
    return Table(
        "registered-categories",
        _("Registered designs by category"),
        [_("Category"), _("Designs")],
        _category_rows(_sum(months)),
        "donut",
    )


@metric("complaints", case_stats.complaints)
def complaints(months: Months) -> Table:
    rows = [(f"{m:%Y-%m}", d["filed"], d["accepted"], d["closed"]) for m, d in months]
    return Table(
        "complaints",
        _("Complaints per month"),
        [
            _("Month"),
            _("Complaints filed"),
            _("Complaints accepted"),
            _("Cases closed"),
        ],
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


@metric("outcomes", case_stats.outcomes)
def outcomes(months: Months) -> Table:
    mix = _sum(months)
    rows = [(OUTCOME_LABELS[k], mix[k]) for k in case_stats.OUTCOMES]
    return Table(
        "outcomes",
        _("Outcomes of closed cases"),
        [_("Outcome"), _("Cases")],
        rows,
        "donut",
    )


@metric("money", case_stats.money)
def money(months: Months) -> Table:
    totals = {
        k: sum((Decimal(d[k]) for _m, d in months), Decimal(0))
        for k in case_stats.MONEY
    }
    rows = [
        (_("Agreements in effect"), sum(d["agreements"] for _m, d in months)),
        (_("Compensation agreed (¥)"), _yuan(totals["compensation_agreed"])),
        (_("Compensation paid (¥)"), _yuan(totals["compensation_paid"])),
        (_("Licence fees agreed (¥)"), _yuan(totals["licence_agreed"])),
        (_("Licence fees paid (¥)"), _yuan(totals["licence_paid"])),
    ]
    return Table(
        "money", _("Compensation and licence fees"), [_("Measure"), _("Value")], rows
    )


@metric("most-infringed", case_stats.infringed_designs)
def most_infringed(months: Months, limit: int = 10) -> Table:
    top = _sum(months).most_common()
    top.sort(key=lambda item: (-item[1], int(item[0])))
    top = top[:limit]
    designs = FabricDesign.objects.in_bulk([int(pk) for pk, _n in top])
    rows = [
        (designs[int(pk)].registration_no or "—", designs[int(pk)].title, n)
        for pk, n in top
        if int(pk) in designs
    ]
    return Table(
        "most-infringed",
        _("Most infringed designs"),
        [_("Registration number"), _("Title"), _("Cases determined infringing")],
        rows,
    )


@metric("categories-copied", case_stats.copied_categories)
def categories_copied(months: Months) -> Table:
    return Table(
        "categories-copied",
        _("Design categories most copied"),
        [_("Category"), _("Cases")],
        _category_rows(_sum(months)),
        "donut",
    )


@metric("stage-times", stage_stats.stage_durations)
def stage_times(months: Months) -> Table:
    from cases.models import Case

    hist: dict[str, Counter] = {}
    on_time: dict[str, list[int]] = {}
    for _month, data in months:
        for stage, counts in data["hist"].items():
            hist.setdefault(stage, Counter()).update(
                {int(d): n for d, n in counts.items()}
            )
        for stage, (ok, total) in data["on_time"].items():
            acc = on_time.setdefault(stage, [0, 0])
            acc[0] += ok
            acc[1] += total
    order = [*Case.Status.values, stage_stats.WHOLE_CASE]
    rows = []
    for stage in sorted(hist, key=order.index):
        label = (
            _("Whole case, filing to closure")
            if stage == stage_stats.WHOLE_CASE
            else Case.Status(stage).label
        )
        ok, total = on_time.get(stage, (0, 0))
        rows.append(
            (
                label,
                sum(hist[stage].values()),
                _wd(percentile_of_counts(hist[stage], 50)),
                _wd(percentile_of_counts(hist[stage], 90)),
                f"{100 * ok / total:.0f}%" if total else "—",
            )
        )
    return Table(
        "stage-times",
        _("Working days per stage"),
        [
            _("Stage"),
            _("Times left"),
            _("Median working days"),
            _("90th percentile working days"),
            _("Finished on time"),
        ],
        rows,
    )


def _wd(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def all_tables(period: stats.Period) -> list[Table]:
    return [metric(period) for metric in TABLES.values()]


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
    context = dashboard_context(user)
    if warning := coming_year_calendar_warning():
        context["warnings"] = [*context.get("warnings", []), warning]
    return {
        "stage_chart": stage_chart,
        "open_by_stage": stages,
        "awaiting_review": overview[FabricDesign.Status.SUBMITTED],
        "registered_total": overview[FabricDesign.Status.REGISTERED],
        "registry_overview": [
            (FabricDesign.Status(s).label, n) for s, n in overview.items()
        ],
        **context,
    }


def coming_year_calendar_warning(today: datetime.date | None = None) -> str | None:
    """Warn in the last quarter when next year's working-day calendar is still missing."""
    from cases import workdays

    today = today or timezone.localdate()
    if today.month < 10:
        return None
    calendar = workdays.WorkCalendar()
    calendar.is_workday(datetime.date(today.year + 1, 1, 1))
    if not calendar.estimated:
        return None
    return str(
        _(
            "The working-day calendar for %(year)d has not been entered. The State Council "
            "publishes it each November: enter its holidays and make-up workdays in the admin "
            "(working-day calendar years) before deadlines fall in %(year)d."
        )
        % {"year": today.year + 1}
    )
