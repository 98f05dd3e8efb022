import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts import roles
from cases import services
from cases.models import Agreement, Case, CaseEvent, Evidence, Notification, Referral
from designs.models import FabricDesign
from tests.factories import (
    closely_compared_row,
    make_case,
    make_design,
    make_draft_case,
    make_evidence,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.django_db
S = Case.Status


def test_submit_numbers_the_complaint_and_starts_the_intake_clock():
    case = make_draft_case()
    assert case.number is None

    case = services.submit_complaint(case, by=case.complainant)

    case.refresh_from_db()
    year = timezone.localdate().year
    assert case.number == f"TS-{year}-000001"
    assert case.status == S.SUBMITTED
    assert case.deadline is not None
    event = case.events.get()
    assert (event.from_status, event.to_status, event.actor) == (
        "draft",
        "submitted",
        case.complainant,
    )


def test_numbers_are_sequential_per_year():
    numbers = []
    for _ in range(3):
        case = make_draft_case()
        numbers.append(services.submit_complaint(case, by=case.complainant).number)
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]


def test_relying_on_someone_elses_design_is_refused_and_nothing_saved():
    other = make_design(status=FabricDesign.Status.REGISTERED)
    me = make_user()
    with pytest.raises(services.NotPermitted):
        make_draft_case(complainant=me, design=other)
    assert not Case.objects.exists()
    assert not Evidence.objects.exists()


def test_unregistered_design_is_refused():
    draft = make_design(status=FabricDesign.Status.SUBMITTED)
    with pytest.raises(services.CaseError, match="not a registered design"):
        make_draft_case(design=draft)


def test_submit_needs_photo_remedy_and_undertaking():
    case = make_draft_case(
        evidence=[make_evidence(kind="receipt", name="r.pdf")],
        undertaking=False,
        remedy_stop_selling=False,
        compensation=None,
    )
    with pytest.raises(services.CaseError) as e:
        services.submit_complaint(case, by=case.complainant)
    text = str(e.value)
    assert "photo" in text and "remedy" in text and "undertaking" in text
    case.refresh_from_db()
    assert case.status == S.DRAFT and case.number is None
    assert not case.events.exists()


def test_a_draft_may_wait_for_its_design_but_is_not_filed_without_one():
    # A merchant starts the complaint at the stall and picks the design later.
    owner = make_user()
    design = make_design(owner=owner, status=FabricDesign.Status.REGISTERED)
    case = services.save_draft(
        complainant=owner,
        designs=[],
        evidence=[make_evidence(kind="photo")],
        found_place="B-12",
        remedy_stop_selling=True,
        undertaking=True,
    )
    assert case.status == S.DRAFT and not case.designs.exists()
    with pytest.raises(services.CaseError) as e:
        services.submit_complaint(case, by=owner)
    assert "registered designs" in str(e.value)
    case.refresh_from_db()
    assert case.status == S.DRAFT and case.number is None
    assert not case.events.exists()
    services.save_draft(case, complainant=owner, designs=[design])
    assert list(case.designs.all()) == [design]


@pytest.mark.parametrize("amount", [Decimal("-1"), Decimal("5000001")])
def test_absurd_amounts_are_refused(amount):
    with pytest.raises(services.CaseError, match="between"):
        make_draft_case(compensation=amount)
    assert not Case.objects.exists()


def test_a_pdf_is_not_a_photo():
    pdf = make_evidence(kind="receipt", name="x.pdf")[1]
    with pytest.raises(services.CaseError, match="Photos"):
        make_draft_case(evidence=[("photo", pdf)])


def test_evidence_is_stored_with_hash_size_and_uploader():
    case = make_draft_case(
        evidence=[
            make_evidence(seed=3),
            make_evidence(kind="receipt", name="receipt.pdf"),
        ]
    )
    photo, pdf = case.evidence.order_by("pk")
    assert photo.content_type == "image/png" and pdf.content_type == "application/pdf"
    assert len(photo.sha256) == 64 and photo.size > 0
    assert photo.uploaded_by == case.complainant
    with pdf.file.open("rb") as fh:
        assert fh.read().startswith(b"%PDF-")


def test_evidence_cannot_be_added_after_filing_unless_asked():
    case = make_case(status=S.SUBMITTED)
    with pytest.raises(services.CaseError):
        services.add_evidence(case, by=case.complainant, files=[make_evidence(seed=9)])
    intake = make_staff(roles.INTAKE)
    services.request_supplement(case, by=intake, reason="补充购物凭证")
    services.add_evidence(
        case, by=case.complainant, files=[make_evidence(kind="receipt", name="r.pdf")]
    )
    case.refresh_from_db()
    assert case.evidence.count() == 2
    assert "r.pdf" in case.events.last().note


@pytest.fixture
def search_services(monkeypatch):
    """The real search.services if it has landed, else an empty stand-in module."""
    try:
        from search import services as module
    except ImportError:
        import sys
        import types

        import search

        module = types.ModuleType("search.services")
        monkeypatch.setitem(sys.modules, "search.services", module)
        monkeypatch.setattr(search, "services", module, raising=False)
    return module


def test_match_report_is_frozen_with_fake_search(monkeypatch, search_services):
    case = make_draft_case()
    design = case.designs.get()

    def fake_find_similar(image, *, top=5, include_unregistered=False, photo=False):
        assert image.size == (96, 96)
        # Evidence photos are taken at stalls: the search is asked to look harder.
        assert photo is True and include_unregistered is False
        return [
            {
                "design_id": design.pk,
                "registration_no": design.registration_no,
                "title": design.title,
                "score": 0.93,
                "is_match": True,
                "alteration": "mirrored",
            }
        ]

    monkeypatch.setattr(
        search_services, "find_similar", fake_find_similar, raising=False
    )
    monkeypatch.setattr(search_services, "ALGORITHM_VERSION", "fake-1", raising=False)
    case = services.submit_complaint(case, by=case.complainant)
    report = Case.objects.get(pk=case.pk).match_report
    assert report["available"] is True and report["algorithm"] == "fake-1"
    photo = report["photos"][0]
    assert photo["candidates"][0]["alteration"] == "mirrored"
    assert photo["relied"][0]["score"] == 0.93


def test_match_failure_never_blocks_filing(monkeypatch, search_services):
    def broken(image, **kwargs):
        raise RuntimeError("index missing")

    monkeypatch.setattr(search_services, "find_similar", broken, raising=False)
    case = make_draft_case()
    case = services.submit_complaint(case, by=case.complainant)
    assert case.status == S.SUBMITTED
    assert case.match_report["available"] is False


def _record_searches(monkeypatch, search_services, case, then=None) -> list:
    """Stand in a find_similar that records, per call, whether it ran inside a
    transaction; return that record."""
    from django.db import transaction

    design = case.designs.get()
    calls = []

    def find_similar(image, *, top=5, include_unregistered=False, photo=False):
        calls.append(transaction.get_connection().in_atomic_block)
        if then is not None:
            then()
        return [
            {
                "design_id": design.pk,
                "registration_no": design.registration_no,
                "title": design.title,
                "score": 0.9,
                "is_match": True,
                "alteration": None,
            }
        ]

    monkeypatch.setattr(search_services, "find_similar", find_similar, raising=False)
    return calls


@pytest.mark.django_db(transaction=True)
def test_filing_searches_the_registry_outside_its_transaction(
    monkeypatch, search_services
):
    # On SQLite a transaction that has written holds every other writer back: the
    # seconds of photo search must not run inside the filing's.
    case = make_draft_case()
    calls = _record_searches(monkeypatch, search_services, case)
    services.submit_complaint(case, by=case.complainant)

    assert calls == [False]
    case.refresh_from_db()
    assert case.status == S.SUBMITTED and case.number
    assert case.events.get().to_status == S.SUBMITTED
    photo_ids = [p["evidence_id"] for p in case.match_report["photos"]]
    assert photo_ids == list(case.evidence.values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_evidence_added_while_the_report_is_made_is_in_the_filed_report(
    monkeypatch, search_services
):
    case = make_draft_case()
    complainant = case.complainant
    added = []

    def another_tab_adds_a_photo():
        if not added:  # once: the report made again under the lock searches it too
            added.extend(
                services.add_evidence(
                    case, by=complainant, files=[make_evidence(seed=77, name="b.png")]
                )
            )

    calls = _record_searches(
        monkeypatch, search_services, case, then=another_tab_adds_a_photo
    )
    services.submit_complaint(case, by=complainant)

    case.refresh_from_db()
    photo_ids = [p["evidence_id"] for p in case.match_report["photos"]]
    assert sorted(photo_ids) == sorted(case.evidence.values_list("pk", flat=True))
    assert added[0].pk in photo_ids and len(photo_ids) == 2
    # The first report (one photo, outside) was replaced by one made under the lock.
    assert calls == [False, True, True]


def test_a_refused_filing_never_searches(monkeypatch, search_services):
    case = make_draft_case(undertaking=False)
    calls = _record_searches(monkeypatch, search_services, case)
    with pytest.raises(services.CaseError, match="undertaking"):
        services.submit_complaint(case, by=case.complainant)
    with pytest.raises(services.NotPermitted):
        services.submit_complaint(case, by=make_user())

    assert calls == []
    case.refresh_from_db()
    assert case.status == S.DRAFT and case.number is None and not case.match_report
    assert not case.events.exists()


def test_a_refused_resubmission_never_searches(monkeypatch, search_services):
    case = make_case(status=S.NEEDS_SUPPLEMENT)
    events, report = case.events.count(), case.match_report
    calls = _record_searches(monkeypatch, search_services, case)
    with pytest.raises(services.NotPermitted):
        services.resubmit_complaint(case, by=make_user(), note="补充")
    case.found_place = ""
    case.save()
    with pytest.raises(services.CaseError, match="Say where the copy was found"):
        services.resubmit_complaint(case, by=case.complainant, note="补充")

    assert calls == []
    case.refresh_from_db()
    assert case.status == S.NEEDS_SUPPLEMENT and case.events.count() == events
    assert case.match_report == report


@pytest.mark.django_db(transaction=True)
def test_resubmission_refreshes_the_report_outside_its_transaction(
    monkeypatch, search_services
):
    case = make_case(status=S.NEEDS_SUPPLEMENT)
    services.add_evidence(
        case, by=case.complainant, files=[make_evidence(seed=78, name="c.png")]
    )
    calls = _record_searches(monkeypatch, search_services, case)
    services.resubmit_complaint(case, by=case.complainant, note="补充了照片")

    assert calls == [False, False]
    case.refresh_from_db()
    assert case.status == S.RESUBMITTED
    assert len(case.match_report["photos"]) == 2
    assert case.events.last().to_status == S.RESUBMITTED


def test_merchant_cannot_make_staff_moves():
    case = make_case(status=S.SUBMITTED)
    with pytest.raises(services.NotPermitted):
        services.accept_case(case, by=case.complainant)
    with pytest.raises(services.NotPermitted):
        services.accept_case(case, by=make_staff(roles.MEDIATOR))
    assert Case.objects.get(pk=case.pk).status == S.SUBMITTED


def test_move_not_allowed_from_stage():
    case = make_case(status=S.SUBMITTED)
    with pytest.raises(services.TransitionNotAllowed, match="cannot become"):
        services.notify_respondent(case, by=make_staff(roles.MEDIATOR))
    assert case.events.count() == 1


def test_reason_required():
    case = make_case(status=S.SUBMITTED)
    with pytest.raises(services.CaseError, match="reason"):
        services.refuse_case(case, by=make_staff(roles.INTAKE), reason="  ")


def test_stale_version_is_told_the_case_changed():
    case = make_case(status=S.SUBMITTED)
    intake = make_staff(roles.INTAKE)
    seen = case.version
    services.accept_case(case, by=intake, expected_version=seen)
    with pytest.raises(services.CaseChanged, match="reload"):
        services.request_supplement(case, by=intake, reason="x", expected_version=seen)
    assert case.events.count() == 2


def test_accept_on_friday_before_national_day_gives_deadline_10_october(monkeypatch):
    case = make_case(status=S.SUBMITTED)
    friday = datetime.date(2025, 9, 26)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: friday)
    case = services.accept_case(case, by=make_staff(roles.INTAKE))
    assert case.deadline == datetime.date(2025, 10, 10)
    assert not case.deadline_estimated


def test_deadline_in_a_year_without_calendar_is_flagged(monkeypatch):
    case = make_case(status=S.SUBMITTED)
    monkeypatch.setattr(
        timezone, "localdate", lambda *a, **k: datetime.date(2031, 3, 3)
    )
    case = services.accept_case(case, by=make_staff(roles.INTAKE))
    assert case.deadline == datetime.date(2031, 3, 10) and case.deadline_estimated


def test_full_path_to_closure_keeps_a_valid_audit_chain():
    from cases.audit import verify_case

    case = make_case(status=S.CLOSED)
    assert case.status == S.CLOSED and case.closed_at
    statuses = [e.to_status for e in case.events.all() if e.from_status != e.to_status]
    assert statuses == [
        "submitted",
        "accepted",
        "in_comparison",
        "infringing",
        "respondent_notified",
        "in_mediation",
        "settled",
        "closed",
    ]
    assert verify_case(case) is None
    assert case.agreement.effective_at is not None


def test_close_refused_while_terms_unperformed():
    case = make_case(status=S.SETTLED)
    mediator = case.agreement.mediator
    with pytest.raises(services.CaseError, match="not performed"):
        services.close_case(case, by=mediator)


def test_agreement_needs_all_three_confirmations_and_freezes():
    case = make_case(status=S.IN_MEDIATION)
    mediator = make_staff(roles.MEDIATOR)
    due = timezone.localdate() + datetime.timedelta(days=10)
    services.save_agreement(
        case,
        by=mediator,
        facts="事实",
        terms=[{"kind": "destroy", "quantity": 300, "due_on": due}],
    )
    services.confirm_agreement(case, by=case.complainant)
    with pytest.raises(services.CaseError, match="already confirmed"):
        services.save_agreement(
            case, by=mediator, facts="改", terms=[{"kind": "cease", "due_on": due}]
        )
    with pytest.raises(services.CaseError, match="already recorded"):
        services.confirm_agreement(case, by=case.complainant)
    services.confirm_agreement(case, by=mediator)
    case.refresh_from_db()
    assert case.status == S.IN_MEDIATION
    services.confirm_agreement(case, by=case.respondent)
    case.refresh_from_db()
    assert case.status == S.SETTLED and case.deadline == due


@pytest.mark.parametrize(
    "term,message",
    [
        ({"kind": "pay", "amount": -5}, "amount"),
        ({"kind": "pay", "amount": 99_000_000}, "amount"),
        ({"kind": "destroy", "quantity": None}, "pieces"),
        ({"kind": "cease", "past": True}, "past"),
    ],
)
def test_bad_agreement_terms(term, message):
    case = make_case(status=S.IN_MEDIATION)
    days = -1 if term.pop("past", False) else 5
    term["due_on"] = timezone.localdate() + datetime.timedelta(days=days)
    with pytest.raises(services.CaseError, match=message):
        services.save_agreement(
            case, by=make_staff(roles.MEDIATOR), facts="f", terms=[term]
        )
    assert not Agreement.objects.exists()


def test_refusal_to_referral_writes_referral_record():
    case = make_case(status=S.REFUSED)
    mediator = make_staff(roles.MEDIATOR)
    referral = services.refer_case(
        case,
        by=mediator,
        target=Referral.Target.MARKET_REGULATION,
        recipient="通州区市场监督管理局",
        note="被投诉人拒绝调解",
    )
    case.refresh_from_db()
    assert case.status == S.REFERRED and referral.case == case
    assert case.events.last().to_status == "referred"


def test_withdraw_before_settlement_only():
    case = make_case(status=S.IN_COMPARISON)
    services.withdraw_case(case, by=case.complainant)
    assert Case.objects.get(pk=case.pk).status == S.WITHDRAWN
    settled = make_case(status=S.SETTLED)
    with pytest.raises(services.TransitionNotAllowed):
        services.withdraw_case(settled, by=settled.complainant)


def test_respondent_invited_and_linked_by_code():
    case = make_case(status=S.INFRINGING)
    staff = make_staff(roles.MEDIATOR)
    token = services.invite_respondent(case, by=staff)
    newcomer = make_user()
    services.join_as_respondent(token=token, user=newcomer)
    case.refresh_from_db()
    assert case.respondent == newcomer and case.invite_token == ""
    with pytest.raises(services.CaseError):
        services.join_as_respondent(token=token, user=make_user())


def test_notifications_go_out_after_commit(django_capture_on_commit_callbacks):
    intake = make_staff(roles.INTAKE, email="intake@example.com")
    case = make_draft_case()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.submit_complaint(case, by=case.complainant)
    assert not mail.outbox and len(callbacks) == 1
    callbacks[0]()
    assert Notification.objects.filter(recipient=intake, case=case).exists()
    assert mail.outbox and mail.outbox[0].to == ["intake@example.com"]


def test_check_deadlines_withdraws_expired_supplements_and_flags_overdue():
    from django.core.management import call_command

    waiting = make_case(status=S.NEEDS_SUPPLEMENT)
    late = make_case(status=S.ACCEPTED)
    later = timezone.localdate() + datetime.timedelta(days=60)
    call_command("check_deadlines", "--today", later.isoformat())
    waiting.refresh_from_db()
    late.refresh_from_db()
    assert waiting.status == S.WITHDRAWN
    event = waiting.events.last()
    assert event.actor is None and event.to_status == "withdrawn"
    assert late.overdue and late.reminded_on == later
    # Run twice: nothing more happens.
    events = CaseEvent.objects.count()
    assert services.check_deadlines(later) == {
        "withdrawn": 0,
        "overdue": 0,
        "reminded": 0,
        "recounted": 0,
    }
    assert CaseEvent.objects.count() == events


def test_assign_to_colleague():
    case = make_case(status=S.SUBMITTED)
    intake, colleague = make_staff(roles.INTAKE), make_staff(roles.MEDIATOR)
    services.assign_case(case, by=intake, to=colleague)
    assert Case.objects.get(pk=case.pk).assignee == colleague
    with pytest.raises(services.NotPermitted):
        services.assign_case(case, by=case.complainant, to=colleague)
    with pytest.raises(services.CaseError):
        services.assign_case(case, by=intake, to=case.complainant)


def test_extend_deadline_refuses_the_past():
    case = make_case(status=S.ACCEPTED)
    admin = make_staff(roles.ADMINISTRATOR)
    with pytest.raises(services.CaseError, match="past"):
        services.extend_deadline(
            case,
            by=admin,
            until=timezone.localdate() - datetime.timedelta(days=1),
            reason="x",
        )
    with pytest.raises(services.NotPermitted):
        services.extend_deadline(
            case, by=make_staff(roles.INTAKE), until=timezone.localdate(), reason="x"
        )


def test_parties_are_told_when_the_agreement_is_ready(
    django_capture_on_commit_callbacks,
):
    case = make_case(status=S.IN_MEDIATION)
    due = timezone.localdate() + datetime.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        services.save_agreement(
            case,
            by=make_staff(roles.MEDIATOR),
            facts="事实",
            terms=[{"kind": "cease", "due_on": due}],
        )
    for party in (case.complainant, case.respondent):
        note = Notification.objects.get(recipient=party, case=case)
        assert "agreement" in note.message


def test_estimated_deadline_is_recounted_once_the_calendar_is_entered(monkeypatch):
    from cases.models import CalendarDay, CalendarYear

    case = make_case(status=S.SUBMITTED)
    monday = datetime.date(2031, 3, 3)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: monday)
    case = services.accept_case(case, by=make_staff(roles.INTAKE))
    Case.objects.filter(pk=case.pk).update(deadline=datetime.date(2031, 3, 10))
    CaseEvent.objects.filter(case=case, to_status="accepted").update(
        created_at=timezone.make_aware(datetime.datetime(2031, 3, 3, 10))
    )
    year = CalendarYear.objects.create(year=2031)
    CalendarDay.objects.create(year=year, date=datetime.date(2031, 3, 5), name="假日")
    assert services.recount_estimated_deadlines() == 1
    case.refresh_from_db()
    assert case.deadline == datetime.date(2031, 3, 11) and not case.deadline_estimated


def test_calendar_day_must_fit_its_year_and_weekday():
    from django.core.exceptions import ValidationError

    from cases.models import CalendarDay, CalendarYear

    year = CalendarYear.objects.create(year=2031)
    with pytest.raises(ValidationError):
        CalendarDay(year=year, date=datetime.date(2030, 12, 31)).full_clean()
    with pytest.raises(ValidationError):
        CalendarDay(
            year=year, date=datetime.date(2031, 3, 5), is_workday=True
        ).full_clean()


def test_match_report_reads_match_objects(monkeypatch, search_services):
    """The matcher returns objects carrying the design and the matched image."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Match:
        design: object
        image: object
        score: float
        is_match: bool
        alteration: str | None

    case = make_draft_case()
    design = case.designs.get()
    image = design.images.get()
    monkeypatch.setattr(
        search_services,
        "find_similar",
        lambda img, **kw: [Match(design, image, 0.8, True, None)],
        raising=False,
    )
    case = services.submit_complaint(case, by=case.complainant)
    candidate = case.match_report["photos"][0]["candidates"][0]
    assert candidate["design_id"] == design.pk and candidate["image_id"] == image.pk
    assert candidate["registration_no"] == design.registration_no
    assert candidate["alteration"] == "" and candidate["score"] == 0.8
    assert case.match_report["algorithm"]


def test_editing_a_draft_replaces_its_designs():
    case = make_draft_case()
    other = make_design(owner=case.complainant, status=FabricDesign.Status.REGISTERED)
    services.save_draft(case, complainant=case.complainant, designs=[other])
    assert list(case.designs.all()) == [other]
    services.save_draft(case, complainant=case.complainant, designs=[])
    assert not case.designs.exists()
    with pytest.raises(services.CaseError, match="registered designs"):
        services.submit_complaint(case, by=case.complainant)


def _fake_close_search(monkeypatch, search_services, close):
    """No registry candidates; compare_with_design answers with `close` (a callable)."""
    calls = []

    def compare(image, design):
        calls.append(design)
        return close(image, design)

    monkeypatch.setattr(
        search_services, "find_similar", lambda image, **kw: [], raising=False
    )
    monkeypatch.setattr(search_services, "compare_with_design", compare, raising=False)
    return calls


def test_match_report_looks_closely_at_a_relied_design_the_search_missed(
    monkeypatch, search_services
):
    from types import SimpleNamespace

    calls = _fake_close_search(
        monkeypatch,
        search_services,
        lambda image, design: SimpleNamespace(
            score=0.71, is_match=True, alteration="photographed"
        ),
    )
    case = make_draft_case()
    design = case.designs.get()
    case = services.submit_complaint(case, by=case.complainant)
    relied = Case.objects.get(pk=case.pk).match_report["photos"][0]["relied"][0]
    assert calls == [design.pk]
    assert relied == closely_compared_row(design, 0.71)


def test_close_comparisons_are_bounded_per_filing(monkeypatch, search_services):
    from types import SimpleNamespace

    calls = _fake_close_search(
        monkeypatch,
        search_services,
        lambda image, design: SimpleNamespace(
            score=0.2, is_match=False, alteration=None
        ),
    )
    photos = services.MAX_CLOSE_COMPARISONS + 2
    case = make_draft_case(evidence=[make_evidence(seed=n) for n in range(photos)])
    case = services.submit_complaint(case, by=case.complainant)
    rows = [p["relied"][0] for p in case.match_report["photos"]]
    assert len(calls) == services.MAX_CLOSE_COMPARISONS
    assert sum(bool(r.get("compared_closely")) for r in rows) == len(calls)
    assert [r["score"] for r in rows].count(None) == 2


def test_a_failing_close_comparison_never_blocks_filing(monkeypatch, search_services):
    def broken(image, design):
        raise RuntimeError("detail missing")

    _fake_close_search(monkeypatch, search_services, broken)
    case = make_draft_case()
    case = services.submit_complaint(case, by=case.complainant)
    assert case.status == S.SUBMITTED
    report = Case.objects.get(pk=case.pk).match_report
    assert report["available"] is True
    relied = report["photos"][0]["relied"][0]
    assert relied["score"] is None and relied["is_match"] is False
