from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import is_staff_member
from designs import services
from designs.forms import (
    BatchUploadForm,
    DesignForm,
    NoteForm,
    PublicFilter,
    ReasonForm,
    ReviewFilter,
)
from designs.models import DesignImage, FabricDesign
from ipcenter.csvutil import csv_response
from security.sendfile import serve_file

PAGE_SIZE = 24


def home(request: HttpRequest) -> HttpResponse:
    recent = FabricDesign.objects.registered().with_primary_image()[:8]
    counts = FabricDesign.objects.registered().aggregate(total=Count("pk"))
    return render(request, "designs/home.html", {"recent": recent, "counts": counts})


def design_list(request: HttpRequest) -> HttpResponse:
    designs = (
        FabricDesign.objects.registered().select_related("owner").with_primary_image()
    )
    filterset = PublicFilter(request.GET, queryset=designs)
    if request.GET.get("format") == "csv":
        return _designs_csv("registry.csv", filterset.qs)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "designs/design_list.html", {"filter": filterset, "page": page}
    )


def _designs_csv(name: str, designs, *, staff: bool = False) -> HttpResponse:
    """The filtered list as CSV; the public list keeps to public fields."""
    header = [
        _("Registration number"),
        _("Work title"),
        _("Category"),
        _("Technique"),
        _("Author(s)"),
        _("Copyright owner"),
        _("Registered on"),
    ]
    if staff:
        header += [_("Status"), _("Owner"), _("Submitted")]
    rows = (
        [
            d.registration_no or "",
            d.title,
            d.get_category_display(),
            d.get_technique_display(),
            d.authors,
            d.copyright_holder,
            d.registered_on or "",
        ]
        + (
            [
                d.get_status_display(),
                d.owner.display_name,
                d.submitted_at.date() if d.submitted_at else "",
            ]
            if staff
            else []
        )
        for d in designs.iterator(chunk_size=500)
    )
    return csv_response(name, header, rows)


def _get_visible(request: HttpRequest, pk: int) -> FabricDesign:
    design = get_object_or_404(
        FabricDesign.objects.select_related("owner", "reviewer"), pk=pk
    )
    # Someone else's draft is "not found", not "forbidden": its existence is private too.
    if not services.visible_to(request.user, design):
        raise Http404
    return design


def design_detail(request: HttpRequest, pk: int) -> HttpResponse:
    design = _get_visible(request, pk)
    staff = is_staff_member(request.user)
    owner = request.user.is_authenticated and design.owner_id == request.user.pk
    context = {
        "design": design,
        "images": design.images.all(),
        "is_owner": owner,
        "is_staff_view": staff,
        "events": design.events.select_related("actor") if (staff or owner) else [],
        "reason_form": ReasonForm(),
        "note_form": NoteForm(),
    }
    return render(request, "designs/design_detail.html", context)


def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    design = _get_visible(request, pk)
    if design.status != FabricDesign.Status.REGISTERED:
        raise Http404
    return render(request, "designs/certificate.html", {"design": design})


def image(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve a design image only to those who may see the design."""
    row = get_object_or_404(DesignImage.objects.select_related("design"), pk=pk)
    if not services.visible_to(request.user, row.design):
        raise Http404
    return serve_file(row.image, content_type=_content_type(row.image.name))


def _content_type(name: str) -> str:
    return {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}.get(
        Path(name).suffix.lower(), "application/octet-stream"
    )


@login_required
def my_designs(request: HttpRequest) -> HttpResponse:
    designs = FabricDesign.objects.owned_by(request.user).with_primary_image()
    page = Paginator(designs.order_by("-updated_at"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "designs/my_designs.html", {"page": page})


@login_required
def new_design(request: HttpRequest) -> HttpResponse:
    form = DesignForm(request.POST or None, request.FILES or None, require_images=True)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "new_images"}
        try:
            design = services.create_design(
                owner=request.user, images=form.cleaned_data["new_images"], **data
            )
        except services.DesignError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Draft saved. Submit it when it is complete."))
            return redirect(design)
    return render(request, "designs/design_form.html", {"form": form, "design": None})


@login_required
def edit_design(request: HttpRequest, pk: int) -> HttpResponse:
    design = get_object_or_404(FabricDesign, pk=pk, owner=request.user)
    form = DesignForm(request.POST or None, request.FILES or None, instance=design)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "new_images"}
        try:
            services.update_design(
                design,
                by=request.user,
                images=form.cleaned_data["new_images"],
                remove_image_ids=[
                    int(x) for x in request.POST.getlist("remove_image") if x.isdigit()
                ],
                primary_image_id=_int_or_none(request.POST.get("primary_image")),
                **data,
            )
        except services.DesignError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Changes saved."))
            return redirect(design)
    images = design.images.all()
    return render(
        request,
        "designs/design_form.html",
        {"form": form, "design": design, "images": images},
    )


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def batch_upload(request: HttpRequest) -> HttpResponse:
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        images = data.pop("images")
        designs = services.create_batch(owner=request.user, images=images, **data)
        messages.success(
            request,
            _("%(n)d drafts created. Check each title, then submit.")
            % {"n": len(designs)},
        )
        return redirect("designs:mine")
    return render(request, "designs/batch_form.html", {"form": form})


def _owner_action(request: HttpRequest, pk: int, action, success: str) -> HttpResponse:
    design = get_object_or_404(FabricDesign, pk=pk, owner=request.user)
    try:
        action(design)
    except services.DesignError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, success)
    return redirect(design)


@require_POST
@login_required
def submit_design(request: HttpRequest, pk: int) -> HttpResponse:
    return _owner_action(
        request,
        pk,
        lambda d: services.submit_design(d, by=request.user),
        _("Submitted. The center reviews registrations within 7 working days."),
    )


@require_POST
@login_required
def withdraw_design(request: HttpRequest, pk: int) -> HttpResponse:
    note = request.POST.get("reason", "")[:2000]
    return _owner_action(
        request,
        pk,
        lambda d: services.withdraw_design(d, by=request.user, note=note),
        _("The design was withdrawn."),
    )


@permission_required("designs.review_design", raise_exception=True)
def review_queue(request: HttpRequest) -> HttpResponse:
    designs = (
        FabricDesign.objects.select_related("owner")
        .with_primary_image()
        .order_by("submitted_at", "pk")
    )
    data = request.GET.copy()
    if "status" not in data:
        data.setlist("status", [FabricDesign.Status.SUBMITTED])
    filterset = ReviewFilter(data, queryset=designs)
    if request.GET.get("format") == "csv":
        return _designs_csv("registrations.csv", filterset.qs, staff=True)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "designs/review_queue.html", {"filter": filterset, "page": page}
    )


def _staff_decision(
    request: HttpRequest, pk: int, action, success: str, *, needs_reason: bool
) -> HttpResponse:
    design = get_object_or_404(FabricDesign, pk=pk)
    form = (ReasonForm if needs_reason else NoteForm)(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for this decision."))
        return redirect(design)
    try:
        action(design, form.cleaned_data["reason"])
    except services.DesignError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, success)
    return redirect(design)


@require_POST
@permission_required("designs.review_design", raise_exception=True)
def approve_design(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_decision(
        request,
        pk,
        lambda d, r: services.register_design(d, by=request.user, note=r),
        _("Registered; the certificate is ready to print."),
        needs_reason=False,
    )


@require_POST
@permission_required("designs.review_design", raise_exception=True)
def return_design(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_decision(
        request,
        pk,
        lambda d, r: services.return_design(d, by=request.user, reason=r),
        _("Returned to the owner for changes."),
        needs_reason=True,
    )


@require_POST
@permission_required("designs.review_design", raise_exception=True)
def reject_design(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_decision(
        request,
        pk,
        lambda d, r: services.reject_design(d, by=request.user, reason=r),
        _("Registration refused."),
        needs_reason=True,
    )


@require_POST
@permission_required("designs.revoke_design", raise_exception=True)
def revoke_design(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_decision(
        request,
        pk,
        lambda d, r: services.revoke_design(d, by=request.user, reason=r),
        _("The registration was revoked."),
        needs_reason=True,
    )
