from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import is_staff_member
from dashboard import charts, prior_art, reports, watch
from dashboard.forms import PeriodForm
from ipcenter.csvutil import csv_response


def staff_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html", reports.at_a_glance(request.user))


@staff_required
def statistics(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    period = form.period()
    tables = reports.all_tables(period)
    chart_markup = {t.key: _chart(t) for t in tables}
    return render(
        request,
        "dashboard/statistics.html",
        {
            "form": form,
            "period": period,
            "tables": [(t, chart_markup[t.key]) for t in tables],
        },
    )


@staff_required
def export(request: HttpRequest, key: str) -> HttpResponse:
    period = PeriodForm(request.GET or None).period()
    builder = reports.TABLES.get(key)
    if builder is None:
        raise Http404
    table = builder(period)
    name = f"{key}_{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    return csv_response(name, table.header, table.rows)


def _chart(table: "reports.Table"):
    if table.chart == "bar":
        series = [
            charts.Series(str(h), [row[i + 1] or 0 for row in table.rows])
            for i, h in enumerate(table.header[1:])
        ]
        return charts.bar_chart(
            [str(r[0]) for r in table.rows], series, title=str(table.title)
        )
    if table.chart == "donut":
        return charts.donut_chart(
            [(str(r[0]), r[1] or 0) for r in table.rows], title=str(table.title)
        )
    return ""


__all__ = ["home", "statistics", "export", "_"]


@staff_required
def repeat_respondents(request: HttpRequest) -> HttpResponse:
    from accounts.privacy import mask_phone
    from cases import respondents
    from cases.models import Case

    groups = respondents.repeat_respondents()
    case_ids = [pk for g in groups for pk in g.case_ids]
    cases = Case.objects.in_bulk(case_ids)
    # Contact data is for the staff who contact parties; others see it masked.
    full = request.user.has_perm("cases.intake_case") or request.user.has_perm(
        "cases.mediate_case"
    )
    rows = [
        {
            "label": g.label,
            "determinations": g.determinations,
            "stalls": sorted(g.stalls),
            "phones": sorted(p if full else mask_phone(p) for p in g.phones),
            "accounts": len(g.accounts),
            "cases": sorted(
                (cases[pk] for pk in g.case_ids if pk in cases),
                key=lambda c: c.number or "",
            ),
        }
        for g in groups
    ]
    if request.GET.get("format") == "csv":
        return csv_response(
            "repeat-respondents.csv",
            [
                _("Respondent"),
                _("Determinations of infringement"),
                _("Stalls"),
                _("Phones"),
                _("Cases"),
            ],
            [
                (
                    r["label"],
                    r["determinations"],
                    " ".join(r["stalls"]),
                    " ".join(r["phones"]),
                    " ".join(
                        f"{c.number}:{c.get_status_display()}" for c in r["cases"]
                    ),
                )
                for r in rows
            ],
        )
    return render(request, "dashboard/repeat_respondents.html", {"rows": rows})


@permission_required("designs.approve_batch", raise_exception=True)
def batch_review(request: HttpRequest) -> HttpResponse:
    """Let the administrator register many submitted designs after seeing each warning."""
    from designs import services as design_services
    from designs.models import FabricDesign

    submitted = list(
        FabricDesign.objects.awaiting_review()
        .select_related("owner")
        .with_primary_image()
        .order_by("submitted_at", "pk")[:100]
    )
    warnings = prior_art.warnings_for(submitted)
    if warnings is None:
        # Without the image search nobody has checked for prior art: no batch approval.
        messages.error(
            request,
            _(
                "The image search is unavailable, so designs cannot be checked for prior art in a batch. Review them one by one."
            ),
        )
        return render(
            request,
            "dashboard/batch_review.html",
            {"rows": [(d, []) for d in submitted], "unavailable": True},
        )
    if request.method == "POST":
        chosen_ids = {int(x) for x in request.POST.getlist("design") if x.isdigit()}
        acknowledged = {int(x) for x in request.POST.getlist("reviewed") if x.isdigit()}
        chosen = [d for d in submitted if d.pk in chosen_ids]
        unreviewed = [
            d.title for d in chosen if warnings.get(d.pk) and d.pk not in acknowledged
        ]
        if not chosen:
            messages.error(request, _("Select at least one design."))
        elif unreviewed:
            messages.error(
                request,
                _(
                    "Compare the similar registered designs first, and tick “reviewed” for: %(titles)s"
                )
                % {"titles": "、".join(unreviewed)},
            )
        else:
            try:
                done = design_services.register_designs(
                    chosen, by=request.user, note=request.POST.get("note", "")[:2000]
                )
            except design_services.DesignError as e:
                messages.error(request, str(e))
            else:
                messages.success(
                    request, _("%(n)d designs registered.") % {"n": len(done)}
                )
                return redirect("dashboard:batch-review")
    rows = [(d, warnings.get(d.pk, [])) for d in submitted]
    return render(request, "dashboard/batch_review.html", {"rows": rows})


@login_required
def watch_page(request: HttpRequest) -> HttpResponse:
    from dashboard.models import WatchAlert
    from designs.models import FabricDesign

    designs = (
        FabricDesign.objects.registered()
        .owned_by(request.user)
        .select_related("watch")
        .with_primary_image()
    )
    alerts = list(
        WatchAlert.objects.filter(watch__owner=request.user)
        .select_related("watch__design", "matched_design")
        .prefetch_related("watch__design__images", "matched_design__images")[:50]
    )
    WatchAlert.objects.filter(watch__owner=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return render(
        request, "dashboard/watch.html", {"designs": designs, "alerts": alerts}
    )


@require_POST
@login_required
def watch_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    from designs.models import FabricDesign

    design = get_object_or_404(FabricDesign, pk=pk, owner=request.user)
    try:
        if request.POST.get("watch") == "on":
            watch.watch_design(design, by=request.user)
            messages.success(
                request,
                _("You will be told when a look-alike of “%(t)s” appears.")
                % {"t": design.title},
            )
        else:
            watch.unwatch_design(design, by=request.user)
            messages.success(
                request, _("No longer watching “%(t)s”.") % {"t": design.title}
            )
    except watch.WatchError as e:
        messages.error(request, str(e))
    return redirect("dashboard:watch")


@login_required
def alert_image(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve the evidence photo of an alert to the watched design's owner only."""
    from dashboard.models import WatchAlert
    from security.sendfile import serve_file

    alert = get_object_or_404(
        WatchAlert.objects.select_related("evidence"), pk=pk, watch__owner=request.user
    )
    if alert.evidence is None:
        raise Http404
    return serve_file(alert.evidence.file, content_type=alert.evidence.content_type)
