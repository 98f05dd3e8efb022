"""Near-matches of a design among registered designs: the reviewer's prior-art warnings."""

from dataclasses import dataclass

from designs.models import FabricDesign


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

    hits: dict[int, Hit] = {}
    for row in design.images.all():
        with row.image.open("rb") as handle:
            matches = search_services.find_similar(handle, top=top + 1)
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


def warnings_for(designs: list[FabricDesign]) -> dict[int, list[Hit]]:
    """Return design id → its prior-art warnings, for a page of submitted designs."""
    return {design.pk: similar_registered(design) for design in designs}
