"""The search app's public API for the rest of the project."""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.utils.safestring import SafeString

from search import analysis, fingerprint, text

# --- text search ---------------------------------------------------------------------


@dataclass
class TextHit:
    design: object
    score: float
    title_html: SafeString
    snippet_html: SafeString


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class TextSearchResult:
    query: str
    plan: text.QueryPlan
    page: Page
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    fallback: bool = False

    @property
    def total(self) -> int:
        return self.page.paginator.count


class _Counted:
    """A stand-in sequence of known length, so Django's Paginator can do the arithmetic."""

    def __init__(self, count: int):
        self.count = count

    def __len__(self) -> int:
        return self.count


def search_text(
    query: str,
    *,
    user=None,
    filters: text.Filters | None = None,
    page: int | str | None = 1,
    page_size: int = 20,
    facets: bool = True,
    public_only: bool = False,
) -> TextSearchResult:
    """Search designs by words; drafts appear only to their owner and to staff."""
    from designs.models import FabricDesign

    plan = text.build_plan(query)
    scope = text.PUBLIC if public_only else text.scope_for(user)
    filters = filters or text.Filters()
    backend = text.get_backend()
    number = _page_number(page)
    raw = text.run_search(
        backend,
        plan,
        scope=scope,
        filters=filters,
        offset=(number - 1) * page_size,
        limit=page_size,
        facets=facets,
    )
    paginator = Paginator(_Counted(raw.total), page_size)
    if raw.total and number > paginator.num_pages:
        number = paginator.num_pages
        raw = text.run_search(
            backend,
            plan,
            scope=scope,
            filters=filters,
            offset=(number - 1) * page_size,
            limit=page_size,
            facets=facets,
        )
    pks = [pk for pk, _score in raw.hits]
    designs = (
        FabricDesign.objects.filter(pk__in=pks)
        .select_related("owner")
        .with_primary_image()
    )
    by_pk = {d.pk: d for d in designs}
    hits = []
    for pk, score in raw.hits:
        design = by_pk.get(pk)
        # The index can lag the database for a moment: trust the row, not the index.
        if design is None or not _visible(design, scope):
            continue
        hits.append(
            TextHit(
                design=design,
                score=score,
                title_html=text.highlight(design.title, plan),
                snippet_html=text.snippet(design.description, plan),
            )
        )
    return TextSearchResult(
        query=plan.raw,
        plan=plan,
        page=Page(hits, max(number, 1), paginator),
        facets=_label_facets(raw.facets) if facets else {},
        fallback=raw.fallback,
    )


def _page_number(page) -> int:
    try:
        return max(1, int(page or 1))
    except (TypeError, ValueError):
        return 1


def _visible(design, scope: text.Scope) -> bool:
    if scope.everything or design.status == design.Status.REGISTERED:
        return True
    return scope.owner_id is not None and design.owner_id == scope.owner_id


FACET_LIMIT = 12


def _label_facets(counts: dict[str, dict[str, int]]) -> dict[str, list[FacetValue]]:
    from accounts.models import User
    from designs.models import FabricDesign

    labelled: dict[str, list[FacetValue]] = {}
    for name, values in counts.items():
        top = sorted(values.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
        if name == "year":
            top = sorted(top, reverse=True)
        labelled[name] = [FacetValue(value, value, n) for value, n in top]
    choices = {
        "category": dict(FabricDesign.Category.choices),
        "technique": dict(FabricDesign.Technique.choices),
    }
    for name, labels in choices.items():
        for facet in labelled.get(name, []):
            facet.label = str(labels.get(facet.value, facet.value))
    owners = labelled.get("owner", [])
    if owners:
        users = User.objects.in_bulk([int(f.value) for f in owners])
        for facet in owners:
            user = users.get(int(facet.value))
            facet.label = user.display_name if user else facet.value
    return labelled


# --- staff: complaints by number and party names --------------------------------------

COMPLAINT_LIMIT = 10


def search_complaints(query: str, *, user) -> list:
    """Find complaints by number or party name, for staff who may view cases only."""
    from django.apps import apps
    from django.db.models import Q

    # Looked up by name: search must not import cases (cases imports search.services).
    if not apps.is_installed("cases") or not user.has_perm("cases.view_case"):
        return []
    Case = apps.get_model("cases", "Case")
    words = (query or "").split()[: text.MAX_QUERY_WORDS]
    if not words:
        return []
    fields = (
        "number",
        "contact_person",
        "complainant__shop_name",
        "complainant__username",
        "respondent_name",
        "respondent_stall",
        "respondent_online_shop",
        "respondent__shop_name",
    )
    condition = Q()
    for word in words:
        # Match both as typed and folded (full-width, traditional → simplified).
        variants = {word, analysis.normalize(word)}
        either = Q()
        for variant in variants:
            for name in fields:
                either |= Q(**{f"{name}__icontains": variant})
        condition &= either
    cases = (
        Case.objects.filter(condition)
        .exclude(status=Case.Status.DRAFT)
        .select_related("complainant", "respondent")
        .order_by("-submitted_at", "-pk")
    )
    return list(cases[:COMPLAINT_LIMIT])


# --- image match ---------------------------------------------------------------------

# Recorded with stored match results (e.g. a complaint's match report).
ALGORITHM_VERSION = fingerprint.ALGORITHM_VERSION


def find_similar(
    image, *, top: int = 5, include_unregistered: bool = False, photo: bool = False
) -> list:
    """Return the designs most like an image, best first (search.matching.Match).

    `image` is a path, an open file or a PIL image. Public searches see registered
    designs only; registration review passes include_unregistered=True. photo=True
    (a photo taken at a stall): where nothing matches, the best few designs are
    aligned as a photo of the print too, ~1-1.5 s more
    (docs/benchmarks.md row 88).
    """
    from search import matching

    return matching.find_similar(
        image, top=top, include_unregistered=include_unregistered, photo=photo
    )


def compare_with_design(image, design):
    """Return how closely an image matches one design (search.matching.Match, or None
    if the design has no fingerprinted image), a photo's perspective included:
    0.5-1.8 s, for a pair already suspected (a complaint's relied-on design), not for
    searching.
    """
    from search import matching

    return matching.compare_with_design(image, design)
