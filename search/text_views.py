from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from designs.models import FabricDesign
from search import services
from search.filters import TextSearchFilter
from search.ratelimit import rate_limited

PAGE_SIZE = 20
API_MAX_PAGE_SIZE = 50


def text_search(request: HttpRequest) -> HttpResponse:
    filterset = TextSearchFilter(request.GET, queryset=FabricDesign.objects.none())
    result = None
    if filterset.form.is_valid() and filterset.is_active:
        result = services.search_text(
            filterset.query,
            user=request.user,
            filters=filterset.to_filters(),
            page=request.GET.get("page"),
            page_size=PAGE_SIZE,
        )
    complaints = (
        services.search_complaints(filterset.query, user=request.user)
        if result and request.user.is_authenticated
        else []
    )
    context = {
        "filter": filterset,
        "result": result,
        "complaints": complaints,
        "page": result.page if result else None,
        "facets": _facet_links(request, filterset, result) if result else [],
    }
    return render(request, "search/text_search.html", context)


FACET_TITLES = {
    "category": _("Category"),
    "technique": _("Technique"),
    "year": _("Registration year"),
    "owner": _("Owner"),
}


def _facet_links(
    request: HttpRequest, filterset: TextSearchFilter, result
) -> list[dict]:
    """Give each facet value a link that adds it to the query, and a link to remove it."""

    def url(**changes) -> str:
        params = request.GET.copy()
        params.pop("page", None)
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return "?" + params.urlencode()

    facets = []
    for name, title in FACET_TITLES.items():
        selected = filterset.form.cleaned_data.get(name)
        if selected and name in ("year", "owner"):
            selected = str(int(selected))  # NumberFilter cleans to Decimal
        values = [
            {
                "label": f.label,
                "count": f.count,
                "url": url(**{name: f.value}),
                "selected": bool(selected) and f.value == str(selected),
            }
            for f in result.facets.get(name, [])
        ]
        facets.append(
            {
                "title": title,
                "values": values,
                "clear_url": url(**{name: None}) if selected else None,
                "has_selected_value": any(v["selected"] for v in values),
            }
        )
    return facets


def _page_size(raw: str | None) -> int:
    try:
        return min(max(int(raw or PAGE_SIZE), 1), API_MAX_PAGE_SIZE)
    except ValueError:
        return PAGE_SIZE


@require_GET
@rate_limited
def designs_api(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/designs/?q=…: registered designs only, public fields only."""
    filterset = TextSearchFilter(request.GET, queryset=FabricDesign.objects.none())
    if not filterset.form.is_valid():
        return JsonResponse({"errors": filterset.form.errors}, status=400)
    result = services.search_text(
        filterset.query,
        filters=filterset.to_filters(),
        page=request.GET.get("page"),
        page_size=_page_size(request.GET.get("page_size")),
        public_only=True,
    )
    page = result.page
    return JsonResponse(
        {
            "query": result.query,
            "count": result.total,
            "page": page.number,
            "num_pages": page.paginator.num_pages,
            "fallback": result.fallback,
            "results": [_public(request, hit) for hit in page],
            "facets": {
                name: [
                    {"value": f.value, "label": f.label, "count": f.count}
                    for f in values
                ]
                for name, values in result.facets.items()
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _public(request: HttpRequest, hit: services.TextHit) -> dict:
    design = hit.design
    image = design.primary_image
    return {
        "registration_no": design.registration_no,
        "title": design.title,
        "title_html": str(hit.title_html),
        "snippet_html": str(hit.snippet_html),
        "category": design.category,
        "technique": design.technique,
        "authors": design.authors,
        "copyright_holder": design.copyright_holder,
        "registered_on": design.registered_on.isoformat()
        if design.registered_on
        else None,
        "url": request.build_absolute_uri(design.get_absolute_url()),
        "image_url": request.build_absolute_uri(
            reverse("designs:image", args=[image.pk])
        )
        if image
        else None,
        "score": round(hit.score, 4),
    }
