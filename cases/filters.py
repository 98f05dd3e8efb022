import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import STAFF_ROLES
from cases import workdays
from cases.models import Case
from designs.models import FabricDesign


def _staff(request):
    return User.objects.filter(groups__name__in=list(STAFF_ROLES)).distinct()


class CaseQueueFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Stage"), choices=Case.Status.choices
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assignee"), queryset=_staff, null_label=_("Unassigned")
    )
    due = django_filters.ChoiceFilter(
        label=_("Deadline"),
        choices=[("overdue", _("Overdue")), ("soon", _("Due within N working days"))],
        method="filter_due",
    )
    within = django_filters.NumberFilter(
        label=_("N (working days)"), method="filter_noop", min_value=0, max_value=60
    )
    category = django_filters.ChoiceFilter(
        label=_("Design category"),
        field_name="designs__category",
        choices=FabricDesign.Category.choices,
        distinct=True,
    )
    stall = django_filters.CharFilter(
        label=_("Respondent stall"),
        field_name="respondent_stall",
        lookup_expr="icontains",
    )
    filed = django_filters.DateFromToRangeFilter(
        label=_("Filed between"),
        field_name="submitted_at__date",
        widget=django_filters.widgets.RangeWidget(attrs={"type": "date"}),
    )
    q = django_filters.CharFilter(label=_("Number or party"), method="search")
    o = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("deadline", "deadline"), ("submitted_at", "filed")),
        field_labels={"deadline": _("Deadline"), "submitted_at": _("Filed")},
    )

    class Meta:
        model = Case
        fields = ["status", "assignee"]

    def filter_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(deadline__lt=today)
        within = self.form.cleaned_data.get("within")
        days = int(within) if within is not None else 3
        until = workdays.add_working_days(today, days).date if days else today
        return queryset.filter(deadline__gte=today, deadline__lte=until)

    def filter_noop(self, queryset, name, value):
        return queryset  # read by filter_due

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(number__icontains=value)
            | Q(complainant__shop_name__icontains=value)
            | Q(complainant__username__icontains=value)
            | Q(contact_person__icontains=value)
            | Q(respondent_name__icontains=value)
            | Q(respondent_online_shop__icontains=value)
            | Q(respondent__shop_name__icontains=value)
        )

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("o"):
            # Most urgent first; cases without a deadline last.
            queryset = queryset.order_by(F("deadline").asc(nulls_last=True), "pk")
        return queryset
