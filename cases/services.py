"""Rules for complaints and cases: filing, every workflow move, mediation, deadlines.

Every move goes through `_move()`, which checks `Case.TRANSITIONS` and the actor's
role, writes one hash-chained CaseEvent and sets the next deadline. Services lock the
case row; side effects (notifications) wait for the commit.
"""

import datetime
import io
import logging
import secrets
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import is_staff_member
from cases import emails, workdays
from cases.evidence import CleanFile
from cases.models import (
    MAX_AMOUNT,
    MAX_LICENCE_FEE,
    MAX_QUANTITY,
    Agreement,
    AgreementTerm,
    Case,
    CaseEvent,
    ComplaintCounter,
    Evidence,
    MediationSession,
    Referral,
    Role,
)
from designs.counters import next_in_year
from designs.filestore import atomic_with_files, track_written
from designs.models import FabricDesign

log = logging.getLogger("ipcenter.cases")
# Close comparisons of an evidence photo with a relied-on design the registry search
# did not flag, per filing: each takes ~0.5 s a design image (search item 17).
MAX_CLOSE_COMPARISONS = 6

Status = Case.Status

MAX_EVIDENCE = 20

ROLE_PERMISSION = {
    Role.INTAKE: "cases.intake_case",
    Role.EXAMINER: "cases.examine_case",
    Role.MEDIATOR: "cases.mediate_case",
}


class CaseError(Exception):
    """A case write broke a rule; the message is for the user."""


class TransitionNotAllowed(CaseError):
    pass


class NotPermitted(CaseError):
    pass


class CaseChanged(CaseError):
    """Someone else moved the case since the acting user loaded it."""


COMPLAINT_FIELDS = (
    "contact_person",
    "contact_phone",
    "address",
    "id_number",
    "respondent_name",
    "respondent_stall",
    "respondent_phone",
    "respondent_online_shop",
    "respondent_link",
    "found_place",
    "found_on",
    "description",
    "remedy_stop_selling",
    "remedy_delist",
    "remedy_destroy",
    "destroy_quantity",
    "compensation",
    "licence_fee",
    "undertaking",
)


# --- who may see and do what ----------------------------------------------------------


def has_role(case: Case, role: str, user: User | None) -> bool:
    if role == Role.SYSTEM:
        return user is None
    if user is None:
        return False
    if role == Role.COMPLAINANT:
        return case.complainant_id == user.pk
    if role == Role.RESPONDENT:
        return case.respondent_id is not None and case.respondent_id == user.pk
    return user.has_perm(ROLE_PERMISSION[role])


def can_view(user, case: Case) -> bool:
    """Return whether the user may open the case (else it is "not found" to them)."""
    if not user.is_authenticated:
        return False
    if case.complainant_id == user.pk:
        return True
    if case.status == Status.DRAFT:
        return False
    if user.has_perm("cases.view_case"):
        return True
    return (
        case.respondent_id == user.pk and case.status not in Case.HIDDEN_FROM_RESPONDENT
    )


def allowed_moves(case: Case, user) -> set[str]:
    """Return the stages the user could move the case to now (for showing buttons)."""
    return {
        to
        for to, roles in case.TRANSITIONS.get(case.status, {}).items()
        if any(has_role(case, role, user) for role in roles)
    }


def needs_action_from(case: Case, user) -> bool:
    """Return whether the case waits for this party (for "your turn" badges)."""
    if case.complainant_id == user.pk:
        if case.status in (Status.DRAFT, Status.NEEDS_SUPPLEMENT):
            return True
        field = "complainant_confirmed_at"
    elif case.respondent_id == user.pk:
        if case.status == Status.RESPONDENT_NOTIFIED:
            return True
        field = "respondent_confirmed_at"
    else:
        return False
    agreement = getattr(case, "agreement", None)
    return (
        case.status == Status.IN_MEDIATION
        and agreement is not None
        and not getattr(agreement, field)
    )


# --- the move and its audit row -------------------------------------------------------


def _locked(case: Case | int, expected_version: int | None = None) -> Case:
    pk = case if isinstance(case, int) else case.pk
    locked = Case.objects.select_for_update().get(pk=pk)
    if expected_version is not None and locked.version != expected_version:
        raise CaseChanged(
            _(
                "The case changed while you were looking at it: "
                "reload the page and try again."
            )
        )
    return locked


def log_event(
    case: Case, *, by: User | None, to: str | None = None, note: str = ""
) -> None:
    """Append an audit row chained to the case's last one; the caller saves the case."""
    event = CaseEvent(
        case=case,
        seq=case.audit_count + 1,
        from_status=case.status,
        to_status=to or case.status,
        actor=by,
        note=note,
        created_at=timezone.now(),
        prev_hash=case.audit_head,
    )
    event.hash = event.compute_hash()
    event.save()
    case.audit_head = event.hash
    case.audit_count = event.seq


def _check_move(case: Case, to: str, *, by: User | None, note: str = "") -> None:
    """Refuse a move the workflow table or the user's roles do not allow."""
    roles = case.roles_for(to)
    if not roles:
        raise TransitionNotAllowed(
            _("A case that is “%(from)s” cannot become “%(to)s”.")
            % {"from": case.get_status_display(), "to": Status(to).label}
        )
    if not any(has_role(case, role, by) for role in roles):
        raise NotPermitted(
            _("You may not move this case to “%(to)s”.") % {"to": Status(to).label}
        )
    if to in Case.REASON_REQUIRED and not note.strip():
        raise CaseError(_("Give a reason for this decision."))


def _move(case: Case, to: str, *, by: User | None, note: str = "") -> None:
    _check_move(case, to, by=by, note=note)
    note = note.strip()
    from_status = case.status
    log_event(case, by=by, to=to, note=note)
    case.status = to
    case.version += 1
    case.overdue = False
    case.reminded_on = None
    if to not in workdays.CARRIED_OVER:
        deadline = workdays.deadline_for(to, timezone.localdate())
        case.deadline = deadline.date if deadline else None
        case.deadline_estimated = bool(deadline and deadline.estimated)
    if to in Case.FINAL:
        case.closed_at = timezone.now()
        case.deadline = None
    case_pk = case.pk
    transaction.on_commit(
        lambda: emails.notify_move(case_pk, from_status=from_status, to_status=to),
        robust=True,
    )


def _transition(
    case: Case,
    to: str,
    *,
    by: User | None,
    note: str = "",
    expected_version: int | None = None,
    **changes,
) -> Case:
    case = _locked(case, expected_version)
    _move(case, to, by=by, note=note)
    for field, value in changes.items():
        setattr(case, field, value)
    case.save()
    return case


# --- filing ---------------------------------------------------------------------------


def next_complaint_no(year: int) -> str:
    """Issue the next complaint number of the year; call inside a transaction."""
    number = next_in_year(ComplaintCounter, year)
    return f"{settings.COMPLAINT_PREFIX}-{year}-{number:06d}"


def _check_designs(designs: Iterable[FabricDesign], complainant: User) -> list:
    designs = list(designs)
    for design in designs:
        if design.owner_id != complainant.pk:
            raise NotPermitted(
                _(
                    "You can only rely on designs registered to you; "
                    "“%(title)s” is not yours."
                )
                % {"title": design.title}
            )
        if design.status != FabricDesign.Status.REGISTERED:
            raise CaseError(
                _("“%(title)s” is not a registered design.") % {"title": design.title}
            )
    return designs


def _check_amounts(fields: dict) -> None:
    checks = [
        ("compensation", MAX_AMOUNT, _("Compensation")),
        ("licence_fee", MAX_LICENCE_FEE, _("Licence fee")),
    ]
    for name, top, label in checks:
        value = fields.get(name)
        if value is not None and not (Decimal(0) <= Decimal(value) <= top):
            raise CaseError(
                _("%(label)s must be between ¥0 and ¥%(top)s.")
                % {"label": label, "top": f"{top:,}"}
            )
    quantity = fields.get("destroy_quantity")
    if quantity is not None and not (0 <= quantity <= MAX_QUANTITY):
        raise CaseError(
            _("Enter a quantity between 0 and %(top)s.") % {"top": MAX_QUANTITY}
        )


def _store_evidence(
    case: Case, files: Sequence[tuple[str, CleanFile]], *, by: User
) -> list[Evidence]:
    """Save evidence files and rows; the caller runs under atomic_with_files."""
    if case.evidence.count() + len(files) > MAX_EVIDENCE:
        raise CaseError(
            _("A complaint can have at most %(n)d evidence files.")
            % {"n": MAX_EVIDENCE}
        )
    rows = []
    for kind, clean in files:
        if kind == Evidence.Kind.PHOTO and not clean.is_image:
            raise CaseError(_("Photos of the goods must be JPEG, PNG or WebP images."))
        row = Evidence(
            case=case,
            kind=kind,
            original_name=clean.name,
            content_type=clean.content_type,
            sha256=clean.sha256,
            source_sha256=clean.source_sha256,
            size=len(clean.content),
            uploaded_by=by,
        )
        row.file.save(clean.as_file().name, clean.as_file(), save=False)
        track_written(row.file.name)
        row.save()
        rows.append(row)
    return rows


@atomic_with_files
def save_draft(
    case: Case | None = None,
    *,
    complainant: User,
    designs: Iterable[FabricDesign] = (),
    evidence: Sequence[tuple[str, CleanFile]] = (),
    **fields,
) -> Case:
    """Create or update a draft complaint with designs and evidence; all or nothing."""
    designs = _check_designs(designs, complainant)
    data = {key: fields[key] for key in COMPLAINT_FIELDS if key in fields}
    _check_amounts(data)
    if case is None:
        data.setdefault(
            "contact_person", complainant.get_full_name() or complainant.username
        )
        data.setdefault("contact_phone", complainant.phone)
        case = Case.objects.create(complainant=complainant, **data)
    else:
        case = _locked(case)
        if case.complainant_id != complainant.pk:
            raise NotPermitted(_("Only the complainant can edit this complaint."))
        if case.status != Status.DRAFT:
            raise CaseError(_("Only a draft complaint can be edited."))
        for key, value in data.items():
            setattr(case, key, value)
        case.save()
    # The form always sends the full choice: unticking every design clears them.
    case.designs.set(designs)
    _store_evidence(case, evidence, by=complainant)
    return case


def _check_complete(case: Case) -> None:
    problems = []
    if not case.designs.exists():
        problems.append(_("Choose at least one of your registered designs."))
    if not case.evidence.filter(kind=Evidence.Kind.PHOTO).exists():
        problems.append(_("Add at least one photo of the copied goods."))
    if not case.found_place.strip():
        problems.append(_("Say where the copy was found."))
    if not (
        case.remedy_stop_selling
        or case.remedy_delist
        or case.remedy_destroy
        or case.compensation
        or case.licence_fee
    ):
        problems.append(_("Choose at least one remedy."))
    if case.remedy_destroy and not case.destroy_quantity:
        problems.append(_("Give the number of pieces to destroy."))
    if not case.undertaking:
        problems.append(_("Accept the undertaking about false complaints."))
    if case.found_on and case.found_on > timezone.localdate():
        problems.append(_("The date the copy was found cannot be in the future."))
    if problems:
        raise CaseError(" ".join(problems))


def submit_complaint(case: Case, *, by: User) -> Case:
    """File a draft: check it is complete, number it, freeze the match report.

    The report is made before the filing's transaction, not inside it: its photo
    search takes about a second an evidence photo, and on SQLite (the embedded
    default) a transaction that has written holds every other writer back until it
    ends. A filing the checks refuse is refused before the search; they are all made
    again under the lock.
    """
    _check_move(case, Status.SUBMITTED, by=by)
    _check_designs(case.designs.all(), case.complainant)
    _check_complete(case)
    report = _report_before_lock(case)
    return _submit(case, by=by, report=report)


@transaction.atomic
def _submit(case: Case, *, by: User, report: tuple) -> Case:
    case = _locked(case)
    _check_designs(case.designs.all(), case.complainant)
    _check_complete(case)
    _move(case, Status.SUBMITTED, by=by)
    now = timezone.now()
    case.number = next_complaint_no(timezone.localdate().year)
    case.submitted_at = now
    case.match_report = _report_for(case, report)
    case.save()
    return case


def _report_basis(case: Case) -> tuple:
    """What a match report is made of: the evidence photos and the relied-on designs."""
    photos = case.evidence.filter(kind=Evidence.Kind.PHOTO)
    return (
        sorted(photos.values_list("pk", flat=True)),
        sorted(case.designs.values_list("pk", flat=True)),
    )


def _report_before_lock(case: Case) -> tuple:
    if transaction.get_connection().in_atomic_block:
        # The caller holds a transaction already: building now would gain nothing.
        return (None, None)
    return (_report_basis(case), build_match_report(case))


def _report_for(case: Case, report: tuple) -> dict:
    """The report made before the lock, unless the evidence or the relied-on designs
    changed since (another tab of the same merchant): the filing must freeze a report
    of exactly what it files, so then it is made again here."""
    basis, built = report
    if built is None or basis != _report_basis(case):
        return build_match_report(case)
    return built


@atomic_with_files
def add_evidence(
    case: Case, *, by: User, files: Sequence[tuple[str, CleanFile]]
) -> list[Evidence]:
    """Add files to a complaint; after filing only while the center asks for more."""
    case = _locked(case)
    if case.complainant_id != by.pk:
        raise NotPermitted(_("Only the complainant can add evidence."))
    if case.status not in (Status.DRAFT, Status.NEEDS_SUPPLEMENT):
        raise CaseError(
            _("Evidence can be added only to a draft or when the center asks.")
        )
    rows = _store_evidence(case, files, by=by)
    if case.status != Status.DRAFT:
        names = ", ".join(row.original_name for row in rows)
        log_event(case, by=by, note=_("Evidence added: %(names)s") % {"names": names})
        case.save()
        transaction.on_commit(
            lambda: emails.notify(
                case.pk,
                ("cases.intake_case",),
                gettext_lazy("New evidence was added to case %(number)s."),
            ),
            robust=True,
        )
    return rows


def resubmit_complaint(case: Case, *, by: User, note: str = "") -> Case:
    """Send a supplemented complaint back to intake; refresh the match report (made
    before the transaction, as submit_complaint's)."""
    _check_move(case, Status.RESUBMITTED, by=by, note=note)
    _check_complete(case)
    report = _report_before_lock(case)
    return _resubmit(case, by=by, note=note, report=report)


@transaction.atomic
def _resubmit(case: Case, *, by: User, note: str, report: tuple) -> Case:
    case = _locked(case)
    _check_complete(case)
    _move(case, Status.RESUBMITTED, by=by, note=note)
    case.match_report = _report_for(case, report)
    case.save()
    return case


def build_match_report(case: Case) -> dict:
    """Match every evidence photo against the registry; never fails the filing."""
    now = timezone.now().isoformat()
    relied = list(case.designs.values_list("pk", "registration_no", "title"))
    try:
        from search import services as search_services

        find_similar = search_services.find_similar
    except (ImportError, AttributeError):
        return {"available": False, "at": now, "photos": []}
    from PIL import Image

    version = _algorithm_version(search_services)
    compare = getattr(search_services, "compare_with_design", None)
    close_looks = MAX_CLOSE_COMPARISONS
    photos = []
    available = True
    for ev in case.evidence.filter(kind=Evidence.Kind.PHOTO):
        entry = {"evidence_id": ev.pk, "name": ev.original_name, "candidates": []}
        image = None
        try:
            with ev.file.open("rb") as handle:
                image = Image.open(io.BytesIO(handle.read()))
                image.load()
            # Evidence photos are taken at a stall: the search looks harder at them.
            results = find_similar(image, top=5, include_unregistered=False, photo=True)
            entry["candidates"] = [_candidate(r) for r in results]
        except Exception:  # the search engine failing must not lose a complaint
            log.exception("image match failed for evidence %s", ev.pk)
            entry["error"] = True
            available = False
        found = {c["design_id"]: c for c in entry["candidates"]}
        entry["relied"] = []
        for pk, no, title in relied:
            row = {"design_id": pk, "registration_no": no, "title": title}
            best = found.get(pk, {})
            row["score"] = best.get("score")
            row["is_match"] = bool(best.get("is_match"))
            # A market photo of a faint print escapes the registry search; the design
            # the complainant names is looked at closely (its perspective fitted,
            # ~0.5 s a design image), a bounded number of times per filing.
            if not row["is_match"] and compare and image is not None and close_looks:
                close_looks -= 1
                try:
                    closer = compare(image, pk)
                except Exception:
                    log.exception("close comparison failed for evidence %s", ev.pk)
                    closer = None
                if closer is not None and closer.score > (row["score"] or 0.0):
                    row["score"] = closer.score
                    row["is_match"] = bool(closer.is_match)
                    row["alteration"] = closer.alteration
                    row["compared_closely"] = True
            entry["relied"].append(row)
        photos.append(entry)
    return {"available": available, "algorithm": version, "at": now, "photos": photos}


def _algorithm_version(search_services) -> str:
    version = getattr(search_services, "ALGORITHM_VERSION", None)
    if version is None:
        # The matcher keeps its version next to the fingerprints; the report must name it.
        try:
            from search.fingerprint import ALGORITHM_VERSION as version
        except ImportError:
            version = "unknown"
    return str(version)


def _candidate(result) -> dict:
    def get(name, default=None):
        if isinstance(result, dict):
            return result.get(name, default)
        return getattr(result, name, default)

    design = get("design")
    design_id = (
        get("design_id")
        or getattr(design, "pk", None)
        or (design if isinstance(design, int) else None)
    )
    alteration = get("alteration")
    image = get("image")
    return {
        "design_id": design_id,
        "image_id": get("image_id") or getattr(image, "pk", None),
        "registration_no": get("registration_no")
        or getattr(design, "registration_no", ""),
        "title": get("title") or getattr(design, "title", ""),
        "score": round(float(get("score", 0.0)), 4),
        "is_match": bool(get("is_match", False)),
        "alteration": str(alteration) if alteration else "",
    }


# --- intake, comparison, determination ------------------------------------------------


@transaction.atomic
def accept_case(case: Case, *, by: User, note: str = "", expected_version=None) -> Case:
    """Accept (受理) a submitted complaint; the comparison clock starts."""
    return _transition(
        case, Status.ACCEPTED, by=by, note=note, expected_version=expected_version
    )


@transaction.atomic
def request_supplement(
    case: Case, *, by: User, reason: str, expected_version=None
) -> Case:
    """Ask the complainant for more (补正) within the supplement period."""
    return _transition(
        case,
        Status.NEEDS_SUPPLEMENT,
        by=by,
        note=reason,
        expected_version=expected_version,
    )


@transaction.atomic
def refuse_case(case: Case, *, by: User, reason: str, expected_version=None) -> Case:
    """Refuse to accept (不予受理) a complaint, with the reason."""
    return _transition(
        case, Status.NOT_ACCEPTED, by=by, note=reason, expected_version=expected_version
    )


@transaction.atomic
def start_comparison(case: Case, *, by: User, expected_version=None) -> Case:
    """Take an accepted case for comparison; the examiner becomes its assignee."""
    case = _locked(case, expected_version)
    _move(case, Status.IN_COMPARISON, by=by)
    case.assignee = by
    case.save()
    return case


@transaction.atomic
def determine(
    case: Case, *, by: User, outcome: str, opinion: str, expected_version=None
) -> Case:
    """Record the determination (侵权判定) and the examiner's written opinion."""
    if outcome not in Case.DETERMINATIONS:
        raise CaseError(_("Choose infringing, not infringing or inconclusive."))
    return _transition(
        case,
        outcome,
        by=by,
        note=opinion,
        expected_version=expected_version,
        determination_opinion=opinion.strip(),
        determined_by=by,
    )


# --- respondent -----------------------------------------------------------------------


@transaction.atomic
def link_respondent(case: Case, *, by: User, respondent: User) -> Case:
    """Attach the respondent's merchant account to the case."""
    case = _locked(case)
    if not is_staff_member(by):
        raise NotPermitted(_("Only center staff can identify the respondent."))
    if respondent.pk == case.complainant_id:
        raise CaseError(_("The complainant cannot be the respondent."))
    if is_staff_member(respondent):
        raise CaseError(_("A member of staff cannot be a respondent."))
    case.respondent = respondent
    case.invite_token = ""
    log_event(
        case,
        by=by,
        note=_("Respondent linked: %(name)s") % {"name": respondent.display_name},
    )
    case.save()
    return case


def find_respondent(query: str) -> list[User]:
    """Return merchants whose username, phone or stall number is exactly the query."""
    query = query.strip()
    if not query:
        return []
    from django.db.models import Q

    return list(
        User.objects.filter(
            Q(username=query) | Q(phone=query) | Q(stall_no=query), is_active=True
        ).filter(groups__isnull=True, is_superuser=False)[:5]
    )


@transaction.atomic
def invite_respondent(case: Case, *, by: User) -> str:
    """Create the invitation code a respondent without an account signs up with."""
    case = _locked(case)
    if not is_staff_member(by):
        raise NotPermitted(_("Only center staff can invite the respondent."))
    if case.respondent_id:
        raise CaseError(_("The respondent is already linked."))
    case.invite_token = secrets.token_urlsafe(16)
    log_event(case, by=by, note=_("Respondent invited to sign up."))
    case.save()
    return case.invite_token


@transaction.atomic
def join_as_respondent(*, token: str, user: User) -> Case:
    """Link the signed-in merchant to the case whose invitation code they hold."""
    case = Case.objects.select_for_update().filter(invite_token=token).first()
    if not token or case is None:
        raise CaseError(_("This invitation code is not valid or was already used."))
    if user.pk == case.complainant_id or is_staff_member(user):
        raise CaseError(_("This invitation is for the respondent."))
    case.respondent = user
    case.invite_token = ""
    log_event(
        case,
        by=user,
        note=_("Respondent signed up with the invitation: %(name)s")
        % {"name": user.display_name},
    )
    case.save()
    return case


@transaction.atomic
def notify_respondent(case: Case, *, by: User, note: str = "", expected_version=None):
    """Record that the respondent was notified; their statement period starts."""
    return _transition(
        case,
        Status.RESPONDENT_NOTIFIED,
        by=by,
        note=note,
        expected_version=expected_version,
    )


@transaction.atomic
def submit_statement(
    case: Case,
    *,
    by: User,
    statement: str,
    accepts_mediation: bool,
    expected_version=None,
) -> Case:
    """Record the respondent's statement (意见陈述) and their answer on mediation."""
    if not statement.strip():
        raise CaseError(_("Write the statement."))
    to = Status.IN_MEDIATION if accepts_mediation else Status.REFUSED
    case = _locked(case, expected_version)
    _move(case, to, by=by, note=statement)
    case.respondent_statement = statement.strip()
    case.statement_at = timezone.now()
    if to == Status.IN_MEDIATION and by.has_perm("cases.mediate_case"):
        case.assignee = by
    case.save()
    return case


# --- mediation ------------------------------------------------------------------------


def _require_mediator(case: Case, by: User) -> None:
    if not by.has_perm("cases.mediate_case"):
        raise NotPermitted(_("Only a mediator can do this."))
    if case.status != Status.IN_MEDIATION:
        raise TransitionNotAllowed(_("The case is not in mediation."))


@transaction.atomic
def record_session(
    case: Case,
    *,
    by: User,
    held_at: datetime.datetime,
    attendees: str,
    place: str = "",
    video_link: str = "",
    notes: str = "",
) -> MediationSession:
    """Record a mediation session: when, where or by video, who came, what was said."""
    case = _locked(case)
    _require_mediator(case, by)
    if not (place.strip() or video_link.strip()):
        raise CaseError(_("Give the place or the video link."))
    session = MediationSession.objects.create(
        case=case,
        held_at=held_at,
        place=place,
        video_link=video_link,
        attendees=attendees,
        notes=notes,
        recorded_by=by,
    )
    log_event(
        case,
        by=by,
        note=_("Mediation session recorded: %(at)s")
        % {"at": timezone.localtime(held_at).strftime("%Y-%m-%d %H:%M")},
    )
    case.save()
    return session


def _check_term(term: dict) -> None:
    kind = term.get("kind")
    if kind not in AgreementTerm.Kind.values:
        raise CaseError(_("Choose the kind of each term."))
    due_on = term.get("due_on")
    if due_on is None:
        raise CaseError(_("Give the date each term must be performed by."))
    if due_on < timezone.localdate():
        raise CaseError(_("A term cannot be due in the past."))
    amount, quantity = term.get("amount"), term.get("quantity")
    top = MAX_LICENCE_FEE if kind == AgreementTerm.Kind.LICENCE else MAX_AMOUNT
    if kind in (AgreementTerm.Kind.PAY, AgreementTerm.Kind.LICENCE):
        if amount is None or not (Decimal("0.01") <= Decimal(amount) <= top):
            raise CaseError(
                _("Enter an amount between ¥0.01 and ¥%(top)s.") % {"top": f"{top:,}"}
            )
    if kind == AgreementTerm.Kind.DESTROY and not (
        quantity and 0 < quantity <= MAX_QUANTITY
    ):
        raise CaseError(_("Give the number of pieces to destroy."))


@transaction.atomic
def save_agreement(
    case: Case,
    *,
    by: User,
    facts: str,
    terms: Sequence[dict],
    performance_method: str = "",
) -> Agreement:
    """Draft or redraft the agreement; it is frozen once anyone has confirmed it."""
    case = _locked(case)
    _require_mediator(case, by)
    if not facts.strip():
        raise CaseError(_("Describe the facts and the disputed issue."))
    if not terms:
        raise CaseError(_("An agreement needs at least one term."))
    for term in terms:
        _check_term(term)
    agreement = Agreement.objects.filter(case=case).first()
    if agreement and agreement.any_confirmed:
        raise CaseError(_("The agreement was already confirmed and cannot be changed."))
    if agreement is None:
        agreement = Agreement(case=case, drafted_by=by)
    agreement.facts = facts.strip()
    agreement.performance_method = performance_method.strip()
    agreement.mediator = by
    agreement.save()
    agreement.terms.all().delete()
    AgreementTerm.objects.bulk_create(
        [
            AgreementTerm(
                agreement=agreement,
                kind=t["kind"],
                quantity=t.get("quantity"),
                amount=t.get("amount"),
                due_on=t["due_on"],
                details=t.get("details", ""),
            )
            for t in terms
        ]
    )
    log_event(
        case, by=by, note=_("Agreement drafted with %(n)d terms.") % {"n": len(terms)}
    )
    case.save()
    transaction.on_commit(
        lambda: emails.notify(
            case.pk,
            ("complainant", "respondent"),
            gettext_lazy(
                "The mediation agreement of case %(number)s is ready: "
                "read and confirm it."
            ),
        ),
        robust=True,
    )
    return agreement


@transaction.atomic
def confirm_agreement(case: Case, *, by: User, on_paper_for: str = "") -> Agreement:
    """Record one confirmation; the third one makes the agreement effective and settles.

    `on_paper_for` ("complainant" or "respondent") lets the mediator record a party
    who signed the printed agreement instead of confirming online.
    """
    case = _locked(case)
    if case.status != Status.IN_MEDIATION:
        raise TransitionNotAllowed(_("The case is not in mediation."))
    agreement = Agreement.objects.select_for_update().filter(case=case).first()
    if agreement is None:
        raise CaseError(_("There is no agreement to confirm yet."))
    now = timezone.now()
    if on_paper_for:
        if not by.has_perm("cases.mediate_case") or on_paper_for not in (
            Role.COMPLAINANT,
            Role.RESPONDENT,
        ):
            raise NotPermitted(_("Only a mediator can record a signature on paper."))
        field = f"{on_paper_for}_confirmed_at"
        note = _("Signature on paper recorded for the %(party)s.") % {
            "party": Role(on_paper_for).label.lower()
        }
    elif by.pk == case.complainant_id:
        field, note = (
            "complainant_confirmed_at",
            _("Complainant confirmed the agreement."),
        )
    elif case.respondent_id and by.pk == case.respondent_id:
        field, note = (
            "respondent_confirmed_at",
            _("Respondent confirmed the agreement."),
        )
    elif by.has_perm("cases.mediate_case"):
        field, note = "mediator_confirmed_at", _("Mediator confirmed the agreement.")
        agreement.mediator = by
    else:
        raise NotPermitted(_("Only the parties and the mediator confirm an agreement."))
    if getattr(agreement, field):
        raise CaseError(_("This confirmation was already recorded."))
    setattr(agreement, field, now)
    log_event(case, by=by, note=note)
    if (
        agreement.complainant_confirmed_at
        and agreement.respondent_confirmed_at
        and agreement.mediator_confirmed_at
    ):
        agreement.effective_at = now
        _move(case, Status.SETTLED, by=None, note=_("Agreement signed by all parties."))
        last_due = agreement.terms.order_by("-due_on").values_list("due_on", flat=True)
        case.deadline = last_due.first()
        case.deadline_estimated = False
    agreement.save()
    case.save()
    return agreement


@transaction.atomic
def fail_mediation(case: Case, *, by: User, reason: str, expected_version=None) -> Case:
    """Record that mediation failed; the case can then be referred."""
    return _transition(
        case, Status.FAILED, by=by, note=reason, expected_version=expected_version
    )


@transaction.atomic
def record_performance(
    term: AgreementTerm, *, by: User, note: str = ""
) -> AgreementTerm:
    """Mark one agreed term as performed (履行)."""
    case = _locked(term.agreement.case_id)
    if case.status != Status.SETTLED:
        raise TransitionNotAllowed(_("Only the terms of a settled case are tracked."))
    if not by.has_perm("cases.mediate_case"):
        raise NotPermitted(_("Only a mediator can record performance."))
    term = AgreementTerm.objects.get(pk=term.pk)
    if term.performed_at:
        raise CaseError(_("This term was already recorded as performed."))
    term.performed_at = timezone.now()
    term.performance_note = note.strip()
    term.checked_by = by
    term.save()
    log_event(
        case,
        by=by,
        note=_("Term performed: %(term)s. %(note)s")
        % {"term": term.get_kind_display(), "note": note},
    )
    case.save()
    return term


@transaction.atomic
def close_case(case: Case, *, by: User, note: str = "", expected_version=None) -> Case:
    """Close (结案) a case: settled with every term performed, or not infringing."""
    case = _locked(case, expected_version)
    if case.status == Status.SETTLED:
        if AgreementTerm.objects.filter(
            agreement__case=case, performed_at__isnull=True
        ).exists():
            raise CaseError(_("Some agreed terms are not performed yet."))
    _move(case, Status.CLOSED, by=by, note=note)
    case.save()
    return case


@transaction.atomic
def refer_case(
    case: Case,
    *,
    by: User,
    target: str,
    recipient: str,
    note: str,
    reference: str = "",
    expected_version=None,
) -> Referral:
    """Refer (移交) the case to enforcement, a platform or a court, with a record."""
    if target not in Referral.Target.values:
        raise CaseError(_("Choose where the case is referred to."))
    if not recipient.strip():
        raise CaseError(_("Name the receiving body."))
    case = _locked(case, expected_version)
    _move(case, Status.REFERRED, by=by, note=note)
    case.save()
    return Referral.objects.create(
        case=case,
        target=target,
        recipient=recipient.strip(),
        reference=reference.strip(),
        note=note.strip(),
        referred_by=by,
    )


@transaction.atomic
def withdraw_case(
    case: Case, *, by: User, note: str = "", expected_version=None
) -> Case:
    """Withdraw (撤回) a complaint at the complainant's request, before settlement."""
    return _transition(
        case, Status.WITHDRAWN, by=by, note=note, expected_version=expected_version
    )


# --- staff housekeeping ---------------------------------------------------------------


@transaction.atomic
def assign_case(case: Case, *, by: User, to: User) -> Case:
    """Make a member of staff responsible for the case."""
    case = _locked(case)
    if not by.has_perm("cases.view_case") or not is_staff_member(by):
        raise NotPermitted(_("Only center staff can assign cases."))
    if not is_staff_member(to):
        raise CaseError(_("Cases can only be assigned to center staff."))
    case.assignee = to
    log_event(case, by=by, note=_("Assigned to %(name)s.") % {"name": to.display_name})
    case.save()
    transaction.on_commit(lambda: emails.notify_assigned(case.pk, to.pk), robust=True)
    return case


@transaction.atomic
def extend_deadline(case: Case, *, by: User, until: datetime.date, reason: str) -> Case:
    """Move the deadline of the current stage (administrator only), with a reason."""
    case = _locked(case)
    if not by.has_perm("cases.change_case"):
        raise NotPermitted(_("Only the center administrator can change a deadline."))
    if case.is_final:
        raise CaseError(_("A finished case has no deadline."))
    if until < timezone.localdate():
        raise CaseError(_("A deadline cannot be in the past."))
    if not reason.strip():
        raise CaseError(_("Give a reason for this decision."))
    log_event(
        case,
        by=by,
        note=_("Deadline set to %(date)s: %(reason)s")
        % {"date": until.isoformat(), "reason": reason.strip()},
    )
    case.deadline = until
    case.deadline_estimated = False
    case.overdue = False
    case.save()
    return case


def recount_estimated_deadlines() -> int:
    """Recount Monday–Friday deadlines once their year's calendar is known."""
    changed = 0
    for case in Case.objects.open().filter(deadline_estimated=True):
        started = (
            case.events.filter(to_status=case.status)
            .exclude(from_status=case.status)
            .order_by("-seq")
            .values_list("created_at", flat=True)
            .first()
        )
        if started is None:
            continue
        deadline = workdays.deadline_for(case.status, timezone.localdate(started))
        if deadline is None or deadline.estimated:
            continue
        with transaction.atomic():
            Case.objects.filter(pk=case.pk, version=case.version).update(
                deadline=deadline.date, deadline_estimated=False
            )
        changed += 1
    return changed


def check_deadlines(today: datetime.date | None = None) -> dict[str, int]:
    """Expire supplement periods, mark overdue cases and send reminders (for cron)."""
    today = today or timezone.localdate()
    counts = {"withdrawn": 0, "overdue": 0, "reminded": 0, "recounted": 0}
    counts["recounted"] = recount_estimated_deadlines()
    expired = Case.objects.filter(
        status=Status.NEEDS_SUPPLEMENT, deadline__lt=today
    ).values_list("pk", flat=True)
    for pk in list(expired):
        with transaction.atomic():
            case = _locked(pk)
            if case.status != Status.NEEDS_SUPPLEMENT or case.deadline >= today:
                continue  # answered meanwhile
            _move(
                case,
                Status.WITHDRAWN,
                by=None,
                note=_("The supplement period ended without an answer."),
            )
            case.save()
            counts["withdrawn"] += 1
    counts["overdue"] = (
        Case.objects.overdue(today).filter(overdue=False).update(overdue=True)
    )
    # One reminder a day for cases due by the next working day or already late.
    soon = workdays.add_working_days(today, 1).date
    due = (
        Case.objects.open()
        .filter(deadline__lte=soon)
        .exclude(reminded_on=today)
        .values_list("pk", flat=True)
    )
    for pk in list(due):
        with transaction.atomic():
            Case.objects.filter(pk=pk).update(reminded_on=today)
            transaction.on_commit(lambda pk=pk: emails.notify_reminder(pk), robust=True)
        counts["reminded"] += 1
    return counts


# --- bulk actions from the queue --------------------------------------------------------


@transaction.atomic
def assign_cases(cases: list[Case], *, by: User, to: User) -> list[Case]:
    """Assign many cases to one member of staff: all of them or none, one entry each."""
    if not cases:
        raise CaseError(_("Select at least one case."))
    return [
        assign_case(case, by=by, to=to) for case in sorted(cases, key=lambda c: c.pk)
    ]


@transaction.atomic
def remind_cases(cases: list[Case], *, by: User) -> list[Case]:
    """Send a reminder to whoever must act next on each case, recording it on each."""
    if not cases:
        raise CaseError(_("Select at least one case."))
    if not is_staff_member(by):
        raise NotPermitted(_("Only center staff can send reminders."))
    done = []
    for case in sorted(cases, key=lambda c: c.pk):
        case = _locked(case)
        if case.is_final:
            raise CaseError(
                _("Case %(number)s is finished; nobody needs a reminder.")
                % {"number": case.number}
            )
        log_event(case, by=by, note=_("Reminder sent."))
        case.reminded_on = timezone.localdate()
        case.save()
        pk = case.pk
        transaction.on_commit(lambda pk=pk: emails.notify_reminder(pk), robust=True)
        done.append(case)
    return done
