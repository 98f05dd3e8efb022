from django import template

from designs import alterations

register = template.Library()


@register.filter
def alteration_label(codes: str | None) -> str:
    """Show an image-match alteration ("mirrored, recoloured") translated."""
    return alterations.label(codes)
