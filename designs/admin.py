from django.contrib import admin

from designs.models import DesignEvent, DesignImage, FabricDesign, RegistrationCounter


class DesignImageInline(admin.TabularInline):
    model = DesignImage
    extra = 0
    readonly_fields = ["sha256", "source_sha256", "width", "height", "created_at"]


class DesignEventInline(admin.TabularInline):
    model = DesignEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "note", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FabricDesign)
class FabricDesignAdmin(admin.ModelAdmin):
    list_display = [
        "registration_no",
        "title",
        "owner",
        "category",
        "technique",
        "status",
        "registered_on",
    ]
    list_filter = ["status", "category", "technique", "originality", "registered_on"]
    search_fields = [
        "registration_no",
        "title",
        "authors",
        "copyright_holder",
        "owner__shop_name",
    ]
    date_hierarchy = "created_at"
    raw_id_fields = ["owner", "reviewer"]
    # Status and numbers change only through the workflow (designs/services.py).
    readonly_fields = [
        "status",
        "registration_no",
        "registered_on",
        "submitted_at",
        "reviewer",
        "decision_reason",
    ]
    inlines = [DesignImageInline, DesignEventInline]


@admin.register(DesignEvent)
class DesignEventAdmin(admin.ModelAdmin):
    list_display = ["design", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["to_status"]
    search_fields = ["design__registration_no", "design__title", "note"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RegistrationCounter)
class RegistrationCounterAdmin(admin.ModelAdmin):
    list_display = ["year", "last_number"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
