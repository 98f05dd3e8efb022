"""Near-matches of a design among registered designs: the reviewer's prior-art warnings."""

from designs.models import FabricDesign


def warnings_for(designs: list[FabricDesign]) -> dict[int, list]:
    """Return design id → registered designs whose images match it (best first)."""
    from search import services as search_services

    return {design.pk: search_services.prior_art(design) for design in designs}
