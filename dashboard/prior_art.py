"""Near-matches of a design among registered designs: the reviewer's prior-art warnings."""

import logging
from dataclasses import dataclass

from designs.models import FabricDesign

log = logging.getLogger("ipcenter.prior_art")


class SearchUnavailable(Exception):
    """The image search could not answer; reviewers must compare by eye."""


@dataclass(frozen=True)
class Hit:
    design_id: int
    registration_no: str
    title: str
    image_id: int | None
    percent: int
    alteration: str | None


def similar_registered(design: FabricDesign, *, top: int = 3) -> list[Hit]:
    """Return registered designs (not this one) that the image search flags as matches."""
    from search import services as search_services

    find_similar = getattr(search_services, "find_similar", None)
    if find_similar is None:
        raise SearchUnavailable("search.services.find_similar is not installed")
    hits: dict[int, Hit] = {}
    for row in design.images.all():
        try:
            with row.image.open("rb") as handle:
                matches = find_similar(handle, top=top + 1)
        except Exception as e:  # a broken index must not block the review page
            log.exception("image search failed for design image %s", row.pk)
            raise SearchUnavailable(str(e)) from e
        for m in matches:
            if m.design.pk == design.pk or not m.is_match:
                continue
            hit = Hit(
                m.design.pk,
                m.design.registration_no or "",
                m.design.title,
                m.image.pk,
                round(m.score * 100),
                m.alteration,
            )
            if hit.design_id not in hits or hit.percent > hits[hit.design_id].percent:
                hits[hit.design_id] = hit
    return sorted(hits.values(), key=lambda h: -h.percent)[:top]


def warnings_for(designs: list[FabricDesign]) -> dict[int, list[Hit]] | None:
    """Return design id → its prior-art warnings, or None if the search is unavailable."""
    try:
        return {design.pk: similar_registered(design) for design in designs}
    except SearchUnavailable:
        return None
