"""The text-search facets as a django-filter FilterSet.

The FilterSet validates and renders the facet parameters; the matching and the counts
come from the search backend (search.text), which answers them over the whole result set
without loading every matching row into Django.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from designs.models import FabricDesign
from search import text


class TextSearchFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="by_words", label=_("Words"), max_length=200)
    category = django_filters.ChoiceFilter(
        choices=FabricDesign.Category.choices, label=_("category")
    )
    technique = django_filters.ChoiceFilter(
        choices=FabricDesign.Technique.choices, label=_("technique")
    )
    year = django_filters.NumberFilter(
        field_name="registered_on",
        lookup_expr="year",
        label=_("registration year"),
        min_value=1900,
        max_value=2999,
    )
    owner = django_filters.NumberFilter(
        field_name="owner_id", label=_("owner"), min_value=1
    )

    class Meta:
        model = FabricDesign
        fields = ["category", "technique"]

    def by_words(self, queryset, name, value):
        # Words are matched by the search backend, not by the database.
        return queryset

    def to_filters(self) -> text.Filters:
        """Return the valid facet choices for the backend (call after is_valid())."""
        data = self.form.cleaned_data
        year, owner = data.get("year"), data.get("owner")
        return text.Filters(
            category=data.get("category") or None,
            technique=data.get("technique") or None,
            year=int(year) if year else None,
            owner=int(owner) if owner else None,
        )

    @property
    def query(self) -> str:
        return self.form.cleaned_data.get("q") or ""

    @property
    def is_active(self) -> bool:
        data = self.form.cleaned_data
        return any(
            data.get(name) for name in ("q", "category", "technique", "year", "owner")
        )
