"""What the staff dashboard shows about cases (called by dashboard.reports)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import workdays
from cases.models import Case


def dashboard_context(user) -> dict:
    """Return tiles, warnings and the user's assignments for the staff dashboard."""
    today = timezone.localdate()
    soon = workdays.add_working_days(today, 2).date
    open_cases = Case.objects.open()
    counts = open_cases.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(deadline__lt=today)),
        soon=Count("pk", filter=Q(deadline__gte=today, deadline__lte=soon)),
        intake=Count(
            "pk", filter=Q(status__in=[Case.Status.SUBMITTED, Case.Status.RESUBMITTED])
        ),
        estimated=Count("pk", filter=Q(deadline_estimated=True)),
    )
    queue = reverse("cases:queue")
    tiles = [
        {"n": counts["total"], "label": _("open cases"), "url": queue, "alert": False},
        {
            "n": counts["intake"],
            "label": _("complaints awaiting intake"),
            "url": f"{queue}?status=submitted&status=resubmitted",
            "alert": False,
        },
        {
            "n": counts["soon"],
            "label": _("due within 2 working days"),
            "url": f"{queue}?due=soon&within=2",
            "alert": False,
        },
        {
            "n": counts["overdue"],
            "label": _("overdue cases"),
            "url": f"{queue}?due=overdue",
            "alert": counts["overdue"] > 0,
        },
    ]
    warnings = []
    if counts["estimated"]:
        years = sorted(
            {
                d.year
                for d in open_cases.filter(deadline_estimated=True).dates(
                    "deadline", "year"
                )
            }
        )
        warnings.append(
            _(
                "%(n)d deadline(s) fall in %(years)s, for which no official working-day "
                "calendar is entered: they were counted Monday to Friday. Enter the "
                "holidays and make-up days in the admin (working-day calendar years)."
            )
            % {"n": counts["estimated"], "years": ", ".join(map(str, years))}
        )
    mine = None
    if user.has_perm("cases.view_case"):
        mine = list(open_cases.filter(assignee=user).order_by("deadline", "pk")[:20])
    return {"case_tiles": tiles, "warnings": warnings, "my_assignments": mine}
