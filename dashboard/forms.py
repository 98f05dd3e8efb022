import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dashboard.stats import Period


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("Period from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("Period to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise ValidationError(_("The period must start before it ends."))
        return cleaned

    def period(self) -> Period:
        default = Period.last_months(12)
        if not self.is_valid():
            return default
        today = default.end
        # Nothing has happened after today: a period reaching into the future stops here.
        end = min(self.cleaned_data.get("end") or today, today)
        start = min(self.cleaned_data.get("start") or default.start, end)
        # Nor before the first recorded event: months without data cost a read each.
        return Period(max(start, min(first_activity(), end)), end)


def first_activity() -> datetime.date:
    """Return the day of the earliest registration or complaint event (today if none)."""
    from django.db.models import Min
    from django.utils import timezone

    from cases.models import CaseEvent
    from designs.models import DesignEvent

    firsts = [
        DesignEvent.objects.aggregate(first=Min("created_at"))["first"],
        CaseEvent.objects.aggregate(first=Min("created_at"))["first"],
    ]
    known = [timezone.localtime(f).date() for f in firsts if f is not None]
    return min(known, default=timezone.localdate())
