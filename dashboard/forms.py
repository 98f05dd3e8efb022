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
        if start and end and (end - start).days > 366 * 10:
            raise ValidationError(_("Choose a period of at most ten years."))
        return cleaned

    def period(self) -> Period:
        default = Period.last_months(12)
        if not self.is_valid():
            return default
        start = self.cleaned_data.get("start") or default.start
        end = self.cleaned_data.get("end") or max(default.end, start)
        return Period(
            start, end if end >= start else start + datetime.timedelta(days=30)
        )
