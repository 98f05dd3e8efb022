"""Search by image: the page and POST /api/v1/match/ (engine in search/engine.py)."""

import base64
import io

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from PIL import Image

from designs.images import CleanImage, clean_image
from search import services
from search.ratelimit import rate_limited

TOP = 5


class MatchForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Photo or image of the suspected copy"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    photo = forms.BooleanField(
        label=gettext_lazy("It is a photo of fabric: look harder (a second slower)"),
        required=False,
        initial=True,
    )

    def clean_image(self) -> CleanImage:
        # Type by decoding, size and pixel limits: the checks every upload gets.
        return clean_image(self.cleaned_data["image"])


def _thumbnail_data_uri(clean: CleanImage) -> str:
    """Show the query next to the results without storing the upload anywhere."""
    with Image.open(io.BytesIO(clean.content)) as image:
        image.draft("RGB", (480, 480))
        image = image.convert("RGB")
        image.thumbnail((480, 480))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


@rate_limited
def search_by_image(request: HttpRequest) -> HttpResponse:
    form = MatchForm(request.POST or None, request.FILES or None)
    matches, query_uri = None, None
    if request.method == "POST" and form.is_valid():
        clean = form.cleaned_data["image"]
        matches = services.find_similar(
            clean.content, top=TOP, photo=form.cleaned_data["photo"]
        )
        query_uri = _thumbnail_data_uri(clean)
    context = {"form": form, "matches": matches, "query_uri": query_uri}
    return render(request, "search/image_search.html", context)


@csrf_exempt  # a JSON API for scripts and apps; it changes nothing on the server
@require_POST
@rate_limited
def match_api(request: HttpRequest) -> JsonResponse:
    """POST /api/v1/match/ (multipart field `image`): the match_image JSON for one image.

    Field `photo` = 1 / true: a photo of fabric, aligned harder where nothing matches.
    """
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse(
            {"error": _("Send the image as multipart form field “image”.")}, status=400
        )
    try:
        clean = clean_image(upload)
    except ValidationError as e:
        return JsonResponse({"error": " ".join(e.messages)}, status=400)
    photo = request.POST.get("photo", "").strip().lower() in ("1", "true", "yes", "on")
    matches = services.find_similar(clean.content, top=TOP, photo=photo)
    return JsonResponse(
        {"query": upload.name, "matches": [m.as_dict() for m in matches]},
        json_dumps_params={"ensure_ascii": False},
    )
