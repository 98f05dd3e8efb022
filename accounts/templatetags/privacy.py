from django import template

from accounts.privacy import mask_phone, phone_for

register = template.Library()


@register.simple_tag(takes_context=True)
def phone_of(context, owner) -> str:
    """Render the owner's phone, masked unless the viewer is the owner or staff."""
    return phone_for(context["request"].user, owner)


register.filter("mask_phone", mask_phone)
