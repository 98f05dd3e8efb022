"""Staff roles as groups, and the permissions each one holds.

Apps add their own permissions to ROLE_PERMISSIONS; `ensure_roles()` runs after every
migrate, so a fresh database and an upgraded one end up with the same groups.
"""

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

INTAKE = "intake_officer"
EXAMINER = "comparison_examiner"
MEDIATOR = "mediator"
ADMINISTRATOR = "center_administrator"

STAFF_ROLES = {
    INTAKE: _("Intake officer (受理员)"),
    EXAMINER: _("Comparison examiner (比对员)"),
    MEDIATOR: _("Mediator (调解员)"),
    ADMINISTRATOR: _("Center administrator (中心管理员)"),
}

# "app_label.codename" per role. The administrator gets every listed permission.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    INTAKE: {
        "designs.review_design",
        "designs.view_fabricdesign",
        "cases.view_case",
        "cases.intake_case",
    },
    EXAMINER: {
        "designs.review_design",
        "designs.view_fabricdesign",
        "cases.view_case",
        "cases.examine_case",
    },
    MEDIATOR: {"designs.view_fabricdesign", "cases.view_case", "cases.mediate_case"},
    ADMINISTRATOR: {
        # Deadlines, working-day calendar and time limits are the administrator's.
        "cases.change_case",
        "cases.view_calendaryear",
        "cases.add_calendaryear",
        "cases.change_calendaryear",
        "cases.delete_calendaryear",
        "cases.view_calendarday",
        "cases.add_calendarday",
        "cases.change_calendarday",
        "cases.delete_calendarday",
        "cases.view_stagelimit",
        "cases.add_stagelimit",
        "cases.change_stagelimit",
        "cases.delete_stagelimit",
        "designs.review_design",
        "designs.revoke_design",
        "designs.approve_batch",
        "designs.view_fabricdesign",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
    },
}


def ensure_roles() -> None:
    """Create the staff groups and give each exactly its listed permissions."""
    everything = set().union(*ROLE_PERMISSIONS.values())
    for role in STAFF_ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        wanted = everything if role == ADMINISTRATOR else ROLE_PERMISSIONS[role]
        perms = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)


def has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return role in user_roles(user)


def user_roles(user) -> set[str]:
    """Return the user's staff role names, cached on the user object for the request."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_ipcenter_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) & set(STAFF_ROLES)
        user._ipcenter_roles = cached
    return cached


def is_staff_member(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user_roles(user)))


def create_staff(*, username: str, role: str, password: str, by, **fields):
    """Create a staff account holding one role; only the administrator may."""
    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    from accounts.models import User

    if not by.has_perm("accounts.add_user"):
        raise PermissionDenied
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")
    with transaction.atomic():
        ensure_roles()
        # is_staff opens the Django admin, which only the administrator needs.
        user = User.objects.create_user(
            username=username,
            password=password,
            is_staff=(role == ADMINISTRATOR),
            **fields,
        )
        user.groups.add(Group.objects.get(name=role))
    return user
