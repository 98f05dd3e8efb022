import inspect
from collections.abc import Callable
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.privacy import mask_phone
from accounts.roles import STAFF_ROLES
from cases import forms, respondents, services, workdays
from cases.filters import CaseQueueFilter
from cases.models import AgreementTerm, Case, Evidence, Notification
from designs.models import FabricDesign
from ipcenter.csvutil import csv_response
from security.sendfile import serve_file

PAGE_SIZE = 25
S = Case.Status


def _get_visible(request: HttpRequest, pk: int) -> Case:
    case = get_object_or_404(
        Case.objects.select_related("complainant", "respondent", "assignee"), pk=pk
    )
    # Another's complaint is "not found", not "forbidden": its existence is private.
    if not services.can_view(request.user, case):
        raise Http404
    return case


def _run(request: HttpRequest, case: Case, call: Callable[[], object], done: str):
    """Call one service; turn its exception into a message (or 403) and redirect."""
    try:
        call()
    except services.NotPermitted as e:
        return HttpResponseForbidden(str(e))
    except services.CaseError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, done)
    return redirect(case)


def _form_errors(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


# --- merchant: filing and tracking ----------------------------------------------------


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    filed = (
        Case.objects.filed_by(request.user)
        .select_related("agreement")
        .order_by("-created_at")
    )
    against = (
        Case.objects.against(request.user)
        .select_related("agreement")
        .order_by("-submitted_at")
    )
    page = Paginator(filed, PAGE_SIZE).get_page(request.GET.get("page"))
    against = list(against)
    for case in [*page, *against]:
        case.your_turn = services.needs_action_from(case, request.user)
    return render(request, "cases/my_cases.html", {"page": page, "against": against})


def _save_complaint(request: HttpRequest, case: Case | None) -> HttpResponse:
    form = forms.ComplaintForm(
        request.POST or None,
        request.FILES or None,
        instance=case,
        complainant=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.save_draft(
                case,
                complainant=request.user,
                designs=form.cleaned_data["designs"],
                evidence=form.evidence(),
                **form.service_fields(),
            )
        except services.CaseError as e:
            form.add_error(None, str(e))
        else:
            if "submit" not in request.POST:
                messages.success(
                    request, _("Draft saved. File it when it is complete.")
                )
                return redirect(case)
            try:
                case = services.submit_complaint(case, by=request.user)
            except services.CaseError as e:
                messages.error(request, str(e))
                return redirect("cases:edit", case.pk)
            messages.success(
                request, _("Complaint filed as %(number)s.") % {"number": case.number}
            )
            return redirect(case)
    evidence = case.evidence.all() if case else []
    return render(
        request,
        "cases/complaint_form.html",
        {"form": form, "case": case, "evidence": evidence},
    )


@login_required
def new_complaint(request: HttpRequest) -> HttpResponse:
    return _save_complaint(request, None)


@login_required
def edit_complaint(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=pk, complainant=request.user, status=S.DRAFT)
    return _save_complaint(request, case)


@require_POST
@login_required
def submit_complaint(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    return _run(
        request,
        case,
        lambda: services.submit_complaint(case, by=request.user),
        _("Complaint filed."),
    )


@require_POST
@login_required
def add_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    form = forms.EvidenceForm(request.POST, request.FILES)
    if not form.is_valid() or not form.evidence():
        _form_errors(request, form)
        if form.is_valid():
            messages.error(request, _("Choose at least one file."))
        return redirect(case)
    return _run(
        request,
        case,
        lambda: services.add_evidence(case, by=request.user, files=form.evidence()),
        _("Evidence added."),
    )


@require_POST
@login_required
def resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    form = forms.NoteForm(request.POST)
    form.is_valid()
    return _run(
        request,
        case,
        lambda: services.resubmit_complaint(
            case, by=request.user, note=form.cleaned_data.get("note", "")
        ),
        _("Complaint resubmitted."),
    )


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    form = forms.NoteForm(request.POST)
    form.is_valid()
    return _run(
        request,
        case,
        lambda: services.withdraw_case(
            case,
            by=request.user,
            note=form.cleaned_data.get("note", ""),
            expected_version=form.cleaned_data.get("version"),
        ),
        _("Complaint withdrawn."),
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    user = request.user
    is_staff = user.has_perm("cases.view_case")
    is_complainant = case.complainant_id == user.pk
    is_respondent = case.respondent_id is not None and case.respondent_id == user.pk
    agreement = getattr(case, "agreement", None)
    evidence = list(case.evidence.select_related("uploaded_by"))
    designs = list(case.designs.with_primary_image())
    context = {
        "case": case,
        "is_staff": is_staff,
        "is_complainant": is_complainant,
        "is_respondent": is_respondent,
        "moves": services.allowed_moves(case, user),
        "evidence": evidence,
        "designs": designs,
        "match_rows": _match_rows(case, evidence, designs) if not is_respondent else [],
        "events": case.events.select_related("actor"),
        "sessions": case.sessions.all(),
        "agreement": agreement,
        "terms": agreement.terms.all() if agreement else [],
        "referrals": case.referrals.select_related("referred_by"),
        "complainant_phone": case.contact_phone
        if not is_respondent
        else mask_phone(case.contact_phone),
        "forms": _action_forms(case),
        "today": timezone.localdate(),
        "days_left": workdays.working_days_between(timezone.localdate(), case.deadline)
        if case.deadline
        else None,
        # Staff see at once whether this respondent has been found infringing before.
        "prior_infringements": respondents.prior_infringements(case)
        if is_staff
        else None,
    }
    return render(request, "cases/case_detail.html", context)


def _match_rows(case: Case, evidence: list[Evidence], designs) -> list[dict]:
    """Pair each evidence photo with its best registered candidates, side by side."""
    report = case.match_report or {}
    photos = {p.get("evidence_id"): p for p in report.get("photos", [])}
    ids = {
        c.get("design_id")
        for p in photos.values()
        for c in p.get("candidates", [])
        if c.get("design_id")
    }
    # A relied-on design confirmed by a close comparison is shown beside the photo too.
    ids |= {
        r.get("design_id")
        for p in photos.values()
        for r in p.get("relied", [])
        if r.get("compared_closely") and r.get("design_id")
    }
    by_id = {
        d.pk: d for d in FabricDesign.objects.filter(pk__in=ids).with_primary_image()
    }
    rows = []
    for ev in evidence:
        if ev.kind != Evidence.Kind.PHOTO:
            continue
        entry = photos.get(ev.pk, {})
        candidates = [
            {**c, "design": by_id.get(c.get("design_id"))}
            for c in entry.get("candidates", [])
        ]
        rows.append(
            {
                "evidence": ev,
                "candidates": candidates,
                "relied": [
                    {**r, "design": by_id.get(r.get("design_id"))}
                    for r in entry.get("relied", [])
                ],
                "error": entry.get("error", False),
            }
        )
    return rows


def _action_forms(case: Case) -> dict:
    initial = {"version": case.version}
    return {
        "note": forms.NoteForm(initial=initial),
        "reason": forms.ReasonForm(initial=initial),
        "determine": forms.DetermineForm(initial=initial),
        "statement": forms.StatementForm(initial=initial),
        "lookup": forms.RespondentLookupForm(),
        "session": forms.SessionForm(),
        "agreement": forms.AgreementForm(
            initial={"facts": case.agreement.facts}
            if hasattr(case, "agreement")
            else {}
        ),
        "terms": forms.TermFormSet(prefix="terms"),
        "referral": forms.ReferralForm(initial=initial),
        "assign": forms.AssignForm(),
        "deadline": forms.DeadlineForm(),
        "performance": forms.PerformanceForm(),
        "evidence": forms.EvidenceForm(),
    }


@login_required
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve an evidence file only to those who may see its case."""
    row = get_object_or_404(Evidence.objects.select_related("case"), pk=pk)
    if not services.can_view(request.user, row.case):
        raise Http404
    response = serve_file(
        row.file,
        content_type=row.content_type,
        as_attachment=row.content_type == "application/pdf",
        filename=f"{row.sha256[:16]}{Path(row.file.name).suffix}",
    )
    response["Content-Security-Policy"] = "sandbox"
    return response


@login_required
def agreement_print(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    agreement = getattr(case, "agreement", None)
    if agreement is None:
        raise Http404
    return render(
        request,
        "cases/agreement_print.html",
        {"case": case, "agreement": agreement, "terms": agreement.terms.all()},
    )


# --- respondent -----------------------------------------------------------------------


@require_POST
@login_required
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    form = forms.StatementForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(case)
    data = form.cleaned_data
    return _run(
        request,
        case,
        lambda: services.submit_statement(
            case,
            by=request.user,
            statement=data["statement"],
            accepts_mediation=data["accepts_mediation"],
            expected_version=data.get("version"),
        ),
        _("Statement recorded."),
    )


def join(request: HttpRequest, token: str) -> HttpResponse:
    """Let an invited respondent sign up or log in, then link themselves to the case."""
    if request.method == "POST" and request.user.is_authenticated:
        try:
            case = services.join_as_respondent(token=token, user=request.user)
        except services.CaseError as e:
            messages.error(request, str(e))
            return redirect("cases:mine")
        messages.success(request, _("You are now the respondent of this complaint."))
        if services.can_view(request.user, case):
            return redirect(case)
        return redirect("cases:mine")
    return render(request, "cases/join.html", {"token": token})


@require_POST
@login_required
def confirm_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    on_paper_for = request.POST.get("on_paper_for", "")
    return _run(
        request,
        case,
        lambda: services.confirm_agreement(
            case, by=request.user, on_paper_for=on_paper_for
        ),
        _("Confirmation recorded."),
    )


# --- inbox ----------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(recipient=request.user).select_related("case")
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/inbox.html", {"page": page})


@require_POST
@login_required
def read_notification(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return redirect(note.case)


@require_POST
@login_required
def read_all(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("cases:inbox")


# --- staff ----------------------------------------------------------------------------

staff_only = permission_required("cases.view_case", raise_exception=True)


@staff_only
def queue(request: HttpRequest) -> HttpResponse:
    cases = (
        Case.objects.exclude(status=S.DRAFT)
        .select_related("complainant", "assignee", "respondent")
        .prefetch_related(
            Prefetch(
                "designs",
                queryset=FabricDesign.objects.only(
                    "pk", "registration_no", "title", "category"
                ),
            )
        )
    )
    if "status" not in request.GET and "q" not in request.GET:
        cases = cases.exclude(status__in=Case.FINAL)
    filterset = CaseQueueFilter(request.GET, queryset=cases, request=request)
    if request.GET.get("format") == "csv":
        return _queue_csv(filterset.qs)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    colleagues = (
        User.objects.filter(groups__name__in=list(STAFF_ROLES), is_active=True)
        .distinct()
        .order_by("username")
    )
    return render(
        request,
        "cases/queue.html",
        {
            "filter": filterset,
            "page": page,
            "today": timezone.localdate(),
            "colleagues": colleagues,
        },
    )


def _queue_csv(cases) -> HttpResponse:
    """The filtered queue as CSV (every page, not just the one on screen)."""
    rows = (
        (
            c.number,
            c.get_status_display(),
            c.complainant.display_name,
            c.respondent_label,
            " ".join(d.registration_no or "" for d in c.designs.all()),
            c.assignee.display_name if c.assignee else "",
            c.deadline or "",
            timezone.localtime(c.submitted_at).date() if c.submitted_at else "",
        )
        for c in cases.iterator(chunk_size=500)
    )
    header = [
        _("Number"),
        _("Stage"),
        _("Complainant"),
        _("Respondent"),
        _("Designs relied on"),
        _("Assignee"),
        _("Deadline"),
        _("Filed on"),
    ]
    return csv_response("cases.csv", header, rows)


def _version(form) -> int | None:
    return form.cleaned_data.get("version") if form.is_valid() else None


def _reason_move(service, done: str):
    """Build a staff POST view for a move that needs a reason."""

    @require_POST
    @staff_only
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        case = _get_visible(request, pk)
        form = forms.ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a reason for this decision."))
            return redirect(case)
        return _run(
            request,
            case,
            lambda: service(
                case,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data.get("version"),
            ),
            done,
        )

    return view


def _note_move(service, done: str):
    """Build a staff POST view for a move with an optional note."""

    @require_POST
    @staff_only
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        case = _get_visible(request, pk)
        form = forms.NoteForm(request.POST)
        form.is_valid()
        kwargs = {"expected_version": form.cleaned_data.get("version")}
        if "note" in inspect.signature(service).parameters:
            kwargs["note"] = form.cleaned_data.get("note", "")
        return _run(
            request, case, lambda: service(case, by=request.user, **kwargs), done
        )

    return view


accept = _note_move(services.accept_case, _("Complaint accepted."))
request_supplement = _reason_move(
    services.request_supplement, _("The complainant was asked for a supplement.")
)
refuse = _reason_move(services.refuse_case, _("Complaint not accepted."))
start_comparison = _note_move(services.start_comparison, _("Comparison started."))
notify_respondent = _note_move(services.notify_respondent, _("Respondent notified."))
close = _note_move(services.close_case, _("Case closed."))
fail_mediation = _reason_move(
    services.fail_mediation, _("Mediation recorded as failed.")
)


@require_POST
@staff_only
def determine(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    form = forms.DetermineForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(case)
    data = form.cleaned_data
    return _run(
        request,
        case,
        lambda: services.determine(
            case,
            by=request.user,
            outcome=data["outcome"],
            opinion=data["opinion"],
            expected_version=data.get("version"),
        ),
        _("Determination recorded."),
    )


@require_POST
@staff_only
def link_respondent(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    form = forms.RespondentLookupForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(case)
    found = services.find_respondent(form.cleaned_data["account"])
    if len(found) != 1:
        messages.error(
            request,
            _("No single merchant account matches; invite the respondent instead.")
            if not found
            else _("Several accounts match; enter the username."),
        )
        return redirect(case)
    return _run(
        request,
        case,
        lambda: services.link_respondent(case, by=request.user, respondent=found[0]),
        _("Respondent linked."),
    )


@require_POST
@staff_only
def invite_respondent(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    try:
        token = services.invite_respondent(case, by=request.user)
    except services.CaseError as e:
        messages.error(request, str(e))
    else:
        link = request.build_absolute_uri(reverse("cases:join", args=[token]))
        messages.success(
            request,
            _("Give the respondent this link to sign up and join: %(link)s")
            % {"link": link},
        )
    return redirect(case)


@require_POST
@staff_only
def record_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """A mediator records a statement the respondent gave on paper or in person."""
    return statement(request, pk)


@require_POST
@staff_only
def add_session(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    form = forms.SessionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(case)
    return _run(
        request,
        case,
        lambda: services.record_session(case, by=request.user, **form.cleaned_data),
        _("Session recorded."),
    )


@require_POST
@staff_only
def save_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    form = forms.AgreementForm(request.POST)
    terms = forms.TermFormSet(request.POST, prefix="terms")
    if not form.is_valid() or not terms.is_valid():
        _form_errors(request, form)
        for term_form in terms:
            _form_errors(request, term_form)
        return redirect(case)
    rows = [f.cleaned_data for f in terms if f.cleaned_data.get("kind")]
    return _run(
        request,
        case,
        lambda: services.save_agreement(
            case,
            by=request.user,
            facts=form.cleaned_data["facts"],
            performance_method=form.cleaned_data["performance_method"],
            terms=rows,
        ),
        _("Agreement saved. Ask both parties to confirm it."),
    )


@require_POST
@staff_only
def record_performance(request: HttpRequest, pk: int, term_pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    term = get_object_or_404(AgreementTerm, pk=term_pk, agreement__case=case)
    form = forms.PerformanceForm(request.POST)
    form.is_valid()
    return _run(
        request,
        case,
        lambda: services.record_performance(
            term, by=request.user, note=form.cleaned_data.get("note", "")
        ),
        _("Performance recorded."),
    )


@require_POST
@staff_only
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    form = forms.ReferralForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(case)
    data = form.cleaned_data
    return _run(
        request,
        case,
        lambda: services.refer_case(
            case,
            by=request.user,
            target=data["target"],
            recipient=data["recipient"],
            reference=data["reference"],
            note=data["note"],
            expected_version=data.get("version"),
        ),
        _("Case referred."),
    )


@require_POST
@staff_only
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    if "me" in request.POST:
        to = request.user
    else:
        form = forms.AssignForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect(case)
        to = form.cleaned_data["assignee"]
    return _run(
        request,
        case,
        lambda: services.assign_case(case, by=request.user, to=to),
        _("Case assigned to %(name)s.") % {"name": to.display_name},
    )


@require_POST
@staff_only
def extend_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_visible(request, pk)
    form = forms.DeadlineForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(case)
    return _run(
        request,
        case,
        lambda: services.extend_deadline(case, by=request.user, **form.cleaned_data),
        _("Deadline changed."),
    )


@require_POST
@staff_only
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Assign or remind many cases selected in the queue; all or nothing."""
    ids = [int(x) for x in request.POST.getlist("case") if x.isdigit()]
    chosen = list(Case.objects.filter(pk__in=ids).exclude(status=S.DRAFT))
    action = request.POST.get("action")
    try:
        if action == "assign":
            to = User.objects.filter(pk=request.POST.get("assignee") or 0).first()
            if to is None:
                raise services.CaseError(_("Choose who the cases go to."))
            services.assign_cases(chosen, by=request.user, to=to)
            messages.success(
                request,
                _("%(n)d cases assigned to %(name)s.")
                % {"n": len(chosen), "name": to.display_name},
            )
        elif action == "remind":
            services.remind_cases(chosen, by=request.user)
            messages.success(
                request, _("Reminders sent for %(n)d cases.") % {"n": len(chosen)}
            )
        else:
            raise services.CaseError(_("Choose an action."))
    except services.CaseError as e:
        messages.error(request, str(e))
    return redirect(
        request.POST.get("next")
        if url_has_allowed_host_and_scheme(
            request.POST.get("next"), allowed_hosts={request.get_host()}
        )
        else "cases:queue"
    )
