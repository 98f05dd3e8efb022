"""Names of what a copier did to a registered design, as the image match reports them.

The match engine, its API and stored reports (watch alerts, a complaint's match
report) keep the English codes, so that they stay machine-readable and stable across
languages; pages show them translated.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

LABELS = {
    "mirrored": _("mirrored"),
    "rotated": _("rotated"),
    "recoloured": _("recoloured"),
    "cropped": _("cropped"),
    "rescaled": _("rescaled"),
    # A photo of the print under perspective (engine item 17, a known pair only).
    "photographed": _("photographed"),
    # A JPEG re-save of the registered file itself (engine item 23): a shop's product
    # picture, a forwarded chat image.
    "recompressed": _("recompressed"),
}


def label(codes: str | None) -> str:
    """Return "mirrored, recoloured" in the active language ("镜像、换色")."""
    if not codes:
        return ""
    parts = [part.strip() for part in codes.split(",") if part.strip()]
    return pgettext("list separator", ", ").join(
        str(LABELS.get(part, part)) for part in parts
    )
