from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class IpcenterUserAdmin(UserAdmin):
    list_display = [
        "username",
        "shop_name",
        "stall_no",
        "phone",
        "is_staff",
        "is_active",
    ]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = [
        "username",
        "shop_name",
        "stall_no",
        "phone",
        "email",
        "credit_code",
    ]
    fieldsets = UserAdmin.fieldsets + (
        (_("Merchant"), {"fields": ("phone", "shop_name", "stall_no", "credit_code")}),
    )
    add_fieldsets = UserAdmin.add_fieldsets + (
        (_("Merchant"), {"fields": ("phone", "shop_name", "stall_no")}),
    )
