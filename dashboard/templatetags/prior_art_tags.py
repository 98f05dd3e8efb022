from django import template

from dashboard import prior_art

register = template.Library()


@register.inclusion_tag("dashboard/_prior_art.html")
def prior_art_panel(design):
    """Show the reviewer registered designs that look like this one, side by side."""
    try:
        hits = prior_art.similar_registered(design, top=5)
    except prior_art.SearchUnavailable:
        return {"design": design, "hits": [], "unavailable": True}
    return {"design": design, "hits": hits, "unavailable": False}
