from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import STAFF_ROLES
from cases.evidence import clean_evidence
from cases.models import AgreementTerm, Case, Evidence, MediationSession, Referral
from designs.forms import DateInput, MultipleFileInput
from designs.models import FabricDesign

MAX_FILES = 10


class EvidenceField(forms.FileField):
    """Several evidence uploads, each checked (images decoded, PDFs by header)."""

    def __init__(self, *args, allow_pdf: bool = True, **kwargs):
        self.allow_pdf = allow_pdf
        accept = "image/*,application/pdf" if allow_pdf else "image/*"
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_FILES:
            raise ValidationError(
                _("Upload at most %(n)d files at a time.") % {"n": MAX_FILES}
            )
        cleaned, errors = [], []
        for upload in files:
            try:
                cleaned.append(clean_evidence(upload, allow_pdf=self.allow_pdf))
            except ValidationError as e:
                errors.extend(e.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class EvidenceUploadMixin(forms.Form):
    photos = EvidenceField(
        label=_("Photos of the copied goods"),
        required=False,
        allow_pdf=False,
        help_text=_("JPEG, PNG or WebP; at least one is needed to file."),
    )
    receipts = EvidenceField(
        label=_("Receipts and documents"),
        required=False,
        help_text=_("Purchase receipts, web pages: JPEG, PNG, WebP or PDF."),
    )

    def evidence(self) -> list:
        data = self.cleaned_data
        return [(Evidence.Kind.PHOTO, f) for f in data.get("photos", [])] + [
            (Evidence.Kind.RECEIPT, f) for f in data.get("receipts", [])
        ]


class ComplaintForm(EvidenceUploadMixin, forms.ModelForm):
    """The complaint (投诉书), phone-first: one column, native date inputs."""

    respondent_link = forms.URLField(
        label=_("online shop or listing link"), required=False, assume_scheme="https"
    )

    class Meta:
        model = Case
        fields = [
            "designs",
            "respondent_name",
            "respondent_stall",
            "respondent_phone",
            "respondent_online_shop",
            "respondent_link",
            "found_place",
            "found_on",
            "description",
            "remedy_stop_selling",
            "remedy_delist",
            "remedy_destroy",
            "destroy_quantity",
            "compensation",
            "licence_fee",
            "contact_person",
            "contact_phone",
            "address",
            "id_number",
            "undertaking",
        ]
        widgets = {
            "designs": forms.CheckboxSelectMultiple,
            "found_on": DateInput,
            "description": forms.Textarea(attrs={"rows": 3}),
            "respondent_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "contact_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args, complainant: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the complainant's own registered designs give standing.
        self.fields["designs"].queryset = FabricDesign.objects.registered().owned_by(
            complainant
        )
        self.fields["designs"].label_from_instance = lambda d: str(d)
        self.fields["found_place"].help_text = _("Market, stall or web address.")
        if not self.instance.pk:
            self.initial.setdefault(
                "contact_person", complainant.get_full_name() or complainant.username
            )
            self.initial.setdefault("contact_phone", complainant.phone)

    def clean_found_on(self):
        found_on = self.cleaned_data.get("found_on")
        if found_on and found_on > timezone.localdate():
            raise ValidationError(
                _("The date the copy was found cannot be in the future.")
            )
        return found_on

    SECTIONS = [
        (_("Your registered designs"), ["designs"]),
        (
            _("Respondent (may be unknown)"),
            [
                "respondent_name",
                "respondent_stall",
                "respondent_phone",
                "respondent_online_shop",
                "respondent_link",
            ],
        ),
        (_("Where and when"), ["found_place", "found_on", "description"]),
        (_("Evidence"), ["photos", "receipts"]),
        (
            _("Remedies sought"),
            [
                "remedy_stop_selling",
                "remedy_delist",
                "remedy_destroy",
                "destroy_quantity",
                "compensation",
                "licence_fee",
            ],
        ),
        (_("Complainant"), ["contact_person", "contact_phone", "address", "id_number"]),
        (_("Undertaking"), ["undertaking"]),
    ]

    def sections(self) -> list:
        """Group the fields for the phone layout: one fieldset per part of the form."""
        return [
            (title, [self[name] for name in names]) for title, names in self.SECTIONS
        ]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("photos", "receipts", "designs"):
            data.pop(name, None)
        return data


class EvidenceForm(EvidenceUploadMixin):
    pass


class VersionForm(forms.Form):
    """Every move form carries the case version the page was drawn from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class NoteForm(VersionForm):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2})
    )


class DetermineForm(VersionForm):
    outcome = forms.ChoiceField(
        label=_("Determination"),
        choices=[
            (s, Case.Status(s).label)
            for s in (
                Case.Status.INFRINGING,
                Case.Status.NOT_INFRINGING,
                Case.Status.INCONCLUSIVE,
            )
        ],
    )
    opinion = forms.CharField(
        label=_("Written opinion"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Which images were compared and why they are or are not similar."),
    )


class StatementForm(VersionForm):
    statement = forms.CharField(
        label=_("Statement (意见陈述)"), widget=forms.Textarea(attrs={"rows": 4})
    )
    accepts_mediation = forms.TypedChoiceField(
        label=_("Mediation"),
        choices=[("yes", _("I accept mediation")), ("no", _("I refuse mediation"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )


class RespondentLookupForm(forms.Form):
    account = forms.CharField(
        label=_("Respondent's username, phone or stall number"), max_length=100
    )


class SessionForm(forms.ModelForm):
    video_link = forms.URLField(
        label=_("video link"), required=False, assume_scheme="https"
    )

    class Meta:
        model = MediationSession
        fields = ["held_at", "place", "video_link", "attendees", "notes"]
        widgets = {
            "held_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class AgreementForm(forms.Form):
    facts = forms.CharField(
        label=_("Facts and the disputed issue"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    performance_method = forms.CharField(
        label=_("How the terms are performed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TermForm(forms.ModelForm):
    class Meta:
        model = AgreementTerm
        fields = ["kind", "quantity", "amount", "due_on", "details"]
        widgets = {"due_on": DateInput}


TermFormSet = forms.formset_factory(TermForm, extra=3, max_num=10, can_delete=False)


class ReferralForm(VersionForm, forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["target", "recipient", "reference", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=User.objects.none()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            groups__name__in=list(STAFF_ROLES), is_active=True
        ).distinct()


class DeadlineForm(forms.Form):
    until = forms.DateField(label=_("New deadline"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"))


class PerformanceForm(forms.Form):
    note = forms.CharField(label=_("How it was performed"), required=False)
