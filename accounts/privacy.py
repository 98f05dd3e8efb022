"""Who may see whose personal data."""

from accounts.roles import is_staff_member


def mask_phone(phone: str) -> str:
    """Return 138****1234 for 13812341234: keep the first three and last four digits."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def phone_for(viewer, owner) -> str:
    """Return the owner's phone as the viewer may see it: in full only to them or staff."""
    if not owner.phone:
        return ""
    if viewer.is_authenticated and (viewer.pk == owner.pk or is_staff_member(viewer)):
        return owner.phone
    return mask_phone(owner.phone)
