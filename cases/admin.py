from django.contrib import admin

from cases.models import (
    Agreement,
    AgreementTerm,
    CalendarDay,
    CalendarYear,
    Case,
    CaseEvent,
    Evidence,
    Referral,
    StageLimit,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CaseEventInline(ReadOnlyInline):
    # The audit trail is append-only: shown, never edited here.
    model = CaseEvent
    fields = ["seq", "created_at", "actor", "from_status", "to_status", "note", "hash"]


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["kind", "original_name", "sha256", "size", "uploaded_by", "uploaded_at"]


class ReferralInline(ReadOnlyInline):
    model = Referral
    fields = ["target", "recipient", "reference", "referred_by", "referred_at"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["number", "status", "complainant", "respondent_label", "deadline"]
    list_filter = ["status", "overdue", "deadline_estimated"]
    search_fields = ["number", "respondent_name", "respondent_stall"]
    # Moves go through the workflow on the case page, never by editing fields here.
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [EvidenceInline, CaseEventInline, ReferralInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 5


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "note"]
    inlines = [CalendarDayInline]


@admin.register(StageLimit)
class StageLimitAdmin(admin.ModelAdmin):
    list_display = ["stage", "days", "unit"]


class AgreementTermInline(ReadOnlyInline):
    model = AgreementTerm
    fields = ["kind", "quantity", "amount", "due_on", "performed_at"]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["case", "effective_at"]
    readonly_fields = [f.name for f in Agreement._meta.fields]
    inlines = [AgreementTermInline]

    def has_add_permission(self, request):
        return False
