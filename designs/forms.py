import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from designs.images import clean_image
from designs.models import FabricDesign
from designs.services import DESIGN_FIELDS, MAX_IMAGES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several image uploads, each decoded and cleaned (see designs.images)."""

    widget = MultipleFileInput

    def __init__(self, *args, max_files: int = MAX_IMAGES, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_files:
            raise ValidationError(
                _("Upload at most %(n)d images at a time.") % {"n": self.max_files}
            )
        cleaned, errors = [], []
        for upload in files:
            try:
                cleaned.append(clean_image(upload))
            except ValidationError as e:
                errors.extend(e.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class DateInput(forms.DateInput):
    input_type = "date"


def _check_dates(cleaned: dict) -> None:
    today = timezone.localdate()
    created, published = cleaned.get("created_on"), cleaned.get("published_on")
    errors = {}
    if created and created > today:
        errors["created_on"] = _("The creation date cannot be in the future.")
    if created and created < datetime.date(1900, 1, 1):
        errors["created_on"] = _("Enter a creation date after 1900.")
    if published and published > today:
        errors["published_on"] = _("The publication date cannot be in the future.")
    if created and published and published < created:
        errors["published_on"] = _(
            "A work cannot be published before its creation was completed."
        )
    if errors:
        raise ValidationError(errors)


class DesignForm(forms.ModelForm):
    new_images = MultipleImageField(
        label=_("Sample images"),
        required=False,
        help_text=_(
            "JPEG, PNG or WebP, up to 20 MB each. The first is the certificate image."
        ),
    )

    class Meta:
        model = FabricDesign
        fields = list(DESIGN_FIELDS)
        widgets = {
            "created_on": DateInput(),
            "published_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, require_images: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_images"].required = require_images
        self.fields["copyright_holder"].required = False

    def clean(self):
        cleaned = super().clean()
        _check_dates(cleaned)
        return cleaned


class BatchUploadForm(forms.Form):
    """One collection: shared details, several images, one draft per image."""

    images = MultipleImageField(label=_("Images of the collection"), max_files=50)
    category = forms.ChoiceField(
        label=_("category (product use)"), choices=FabricDesign.Category
    )
    technique = forms.ChoiceField(label=_("technique"), choices=FabricDesign.Technique)
    authors = forms.CharField(label=_("author(s)"), max_length=200)
    copyright_holder = forms.CharField(
        label=_("copyright owner"), max_length=200, required=False
    )
    created_on = forms.DateField(label=_("creation completed on"), widget=DateInput())
    published_on = forms.DateField(
        label=_("first published on"), widget=DateInput(), required=False
    )
    originality = forms.ChoiceField(
        label=_("original or adaptation"), choices=FabricDesign.Originality
    )
    description = forms.CharField(
        label=_("description and originality"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        _check_dates(cleaned)
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class NoteForm(forms.Form):
    reason = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class ReviewFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=FabricDesign.Status.choices, label=_("status")
    )
    category = django_filters.ChoiceFilter(choices=FabricDesign.Category.choices)
    technique = django_filters.ChoiceFilter(choices=FabricDesign.Technique.choices)
    submitted = django_filters.DateFromToRangeFilter(
        field_name="submitted_at",
        label=_("submitted between"),
        widget=django_filters.widgets.RangeWidget(attrs={"type": "date"}),
    )
    owner = django_filters.CharFilter(method="by_owner", label=_("owner"))
    title = django_filters.CharFilter(
        lookup_expr="icontains", label=_("title contains")
    )

    class Meta:
        model = FabricDesign
        fields = ["status", "category", "technique"]

    def by_owner(self, queryset, name, value):
        return queryset.filter(
            Q(owner__username__icontains=value) | Q(owner__shop_name__icontains=value)
        )


class PublicFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=FabricDesign.Category.choices)
    technique = django_filters.ChoiceFilter(choices=FabricDesign.Technique.choices)
    title = django_filters.CharFilter(
        lookup_expr="icontains", label=_("title contains")
    )

    class Meta:
        model = FabricDesign
        fields = ["category", "technique"]
