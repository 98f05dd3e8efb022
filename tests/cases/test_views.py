import datetime
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from cases import services
from cases.audit import verify_case
from cases.models import Case, Notification, Referral
from designs.models import FabricDesign
from tests.factories import (
    PDF_BYTES,
    closely_compared_row,
    make_case,
    make_design,
    make_staff,
    make_upload,
    make_user,
)

pytestmark = pytest.mark.django_db
S = Case.Status


def client_for(client_factory, user):
    c = client_factory()
    c.force_login(user)
    return c


@pytest.fixture
def as_user():
    from django.test import Client

    def login(user):
        c = Client()
        c.force_login(user)
        return c

    return login


def post(c, name, case, data=None, **kwargs):
    data = dict(data or {})
    data.setdefault("version", Case.objects.get(pk=case.pk).version)
    return c.post(reverse(f"cases:{name}", args=[case.pk]), data, **kwargs)


def complaint_data(design, **extra):
    data = {
        "designs": [design.pk],
        "respondent_name": "仿冒家纺店",
        "respondent_stall": "B区2-18",
        "found_place": "南通家纺城 B区",
        "found_on": "2025-09-20",
        "remedy_stop_selling": "on",
        "remedy_destroy": "on",
        "destroy_quantity": "300",
        "compensation": "20000",
        "contact_person": "张三",
        "contact_phone": "13800000001",
        "undertaking": "on",
        "photos": [make_upload("goods.png", seed=design.pk)],
        "receipts": [
            make_upload("receipt.pdf", data=PDF_BYTES, content_type="application/pdf")
        ],
    }
    data.update(extra)
    return data


def test_filing_to_closure_through_every_role_over_http(
    as_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = _walk_to_closure(as_user)
    owner = case.complainant
    assert Notification.objects.filter(recipient=owner, case=case).count() >= 5
    assert any(owner.email in m.to for m in mail.outbox)


def _walk_to_closure(as_user) -> Case:
    owner = make_user()
    design = make_design(owner=owner, status=FabricDesign.Status.REGISTERED)
    respondent = make_user(shop_name="仿冒家纺店", stall_no="B区2-18")
    intake = make_staff(roles.INTAKE)
    examiner = make_staff(roles.EXAMINER)
    mediator = make_staff(roles.MEDIATOR)
    merchant, respondent_c = as_user(owner), as_user(respondent)

    # Draft first, then file it.
    r = merchant.post(reverse("cases:new"), complaint_data(design, draft="1"))
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    assert case.status == S.DRAFT and case.evidence.count() == 2
    r = post(merchant, "submit", case)
    case.refresh_from_db()
    assert case.status == S.SUBMITTED and case.number.startswith("TS-")
    assert merchant.get(case.get_absolute_url()).status_code == 200

    r = post(as_user(intake), "accept", case, {"note": "材料齐全"})
    post(as_user(examiner), "start-comparison", case)
    r = post(
        as_user(examiner),
        "determine",
        case,
        {"outcome": "infringing", "opinion": "花型构图、色彩实质性相似"},
    )
    case.refresh_from_db()
    assert case.status == S.INFRINGING and case.determined_by == examiner

    staff = as_user(mediator)
    post(staff, "link-respondent", case, {"account": respondent.username})
    post(staff, "notify-respondent", case)
    case.refresh_from_db()
    assert case.respondent == respondent and case.status == S.RESPONDENT_NOTIFIED

    page = respondent_c.get(case.get_absolute_url()).content.decode()
    assert case.contact_phone not in page and "张三" not in page
    post(
        respondent_c,
        "statement",
        case,
        {"statement": "愿意协商", "accepts_mediation": "yes"},
    )
    case.refresh_from_db()
    assert case.status == S.IN_MEDIATION

    post(
        staff,
        "add-session",
        case,
        {
            "held_at": "2026-01-05T10:00",
            "place": "维权中心调解室",
            "attendees": "双方及调解员",
            "notes": "初步达成一致",
        },
    )
    due = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    r = post(
        staff,
        "save-agreement",
        case,
        {
            "facts": "被投诉人销售仿冒四件套。",
            "performance_method": "银行转账",
            "terms-TOTAL_FORMS": "3",
            "terms-INITIAL_FORMS": "0",
            "terms-0-kind": "cease",
            "terms-0-due_on": due,
            "terms-1-kind": "pay",
            "terms-1-amount": "18000",
            "terms-1-due_on": due,
        },
    )
    assert case.sessions.count() == 1
    assert case.agreement.terms.count() == 2
    for c in (merchant, respondent_c, staff):
        post(c, "confirm-agreement", case)
    case.refresh_from_db()
    assert case.status == S.SETTLED
    printable = merchant.get(reverse("cases:agreement-print", args=[case.pk]))
    assert "调解协议书" in printable.content.decode()

    for term in case.agreement.terms.all():
        staff.post(
            reverse("cases:record-performance", args=[case.pk, term.pk]),
            {"note": "已履行"},
        )
    post(staff, "close", case, {"note": "履行完毕"})
    case.refresh_from_db()
    assert case.status == S.CLOSED
    moves = [e.to_status for e in case.events.all() if e.from_status != e.to_status]
    assert moves == [
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
    return case


def test_refusal_to_referral_over_http(as_user):
    case = make_case(status=S.RESPONDENT_NOTIFIED)
    respondent = case.respondent
    post(
        as_user(respondent),
        "statement",
        case,
        {"statement": "不是仿冒", "accepts_mediation": "no"},
    )
    case.refresh_from_db()
    assert case.status == S.REFUSED
    mediator = as_user(make_staff(roles.MEDIATOR))
    r = post(
        mediator,
        "refer",
        case,
        {
            "target": "market_regulation",
            "recipient": "南通市通州区市场监督管理局",
            "reference": "通市监 2026-18",
            "note": "被投诉人拒绝调解，移交执法。",
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == S.REFERRED and case.closed_at
    referral = Referral.objects.get(case=case)
    assert referral.target == "market_regulation"
    assert case.events.last().to_status == "referred"


def test_other_merchants_case_is_404_and_staff_move_is_403(as_user):
    case = make_case(status=S.SUBMITTED)
    stranger = as_user(make_user())
    assert stranger.get(case.get_absolute_url()).status_code == 404
    evidence = case.evidence.first()
    assert (
        stranger.get(reverse("cases:evidence", args=[evidence.pk])).status_code == 404
    )
    owner = as_user(case.complainant)
    assert post(owner, "accept", case).status_code == 403
    assert post(stranger, "accept", case).status_code == 403
    assert owner.get(reverse("cases:queue")).status_code == 403
    assert Case.objects.get(pk=case.pk).status == S.SUBMITTED


def test_respondent_sees_nothing_before_notification(as_user):
    case = make_case(status=S.INFRINGING)
    respondent = make_user()
    Case.objects.filter(pk=case.pk).update(respondent=respondent)
    assert as_user(respondent).get(case.get_absolute_url()).status_code == 404


def test_evidence_served_only_through_permission_checked_view(as_user, settings):
    case = make_case(status=S.SUBMITTED)
    photo = case.evidence.get(kind="photo")
    r = as_user(case.complainant).get(reverse("cases:evidence", args=[photo.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert b"".join(r.streaming_content).startswith(b"\x89PNG")
    r = as_user(make_staff(roles.INTAKE)).get(
        reverse("cases:evidence", args=[photo.pk])
    )
    assert r.status_code == 200
    assert (
        "/media/"
        not in as_user(case.complainant).get(case.get_absolute_url()).content.decode()
    )


def test_bad_input_is_refused_with_nothing_saved(as_user):
    owner = make_user()
    mine = make_design(owner=owner, status=FabricDesign.Status.REGISTERED)
    theirs = make_design(status=FabricDesign.Status.REGISTERED)
    c = as_user(owner)
    cases = [
        complaint_data(mine, designs=[theirs.pk]),
        complaint_data(mine, photos=[make_upload("x.png", data=b"not an image")]),
        complaint_data(mine, photos=[make_upload("x.pdf", data=PDF_BYTES)]),
        complaint_data(mine, compensation="-5"),
        complaint_data(mine, compensation="99999999"),
        complaint_data(mine, found_on="2999-01-01"),
    ]
    for data in cases:
        r = c.post(reverse("cases:new"), {**data, "submit": "1"})
        assert r.status_code == 200
        assert 'class="error"' in r.content.decode() or "errors" in r.content.decode()
    assert not Case.objects.exists()


def test_move_not_allowed_shows_message(as_user):
    case = make_case(status=S.SUBMITTED)
    c = as_user(make_staff(roles.EXAMINER))
    r = post(c, "start-comparison", case, follow=True)
    assert "cannot become" in r.content.decode()


def test_stale_page_is_told_to_reload(as_user):
    case = make_case(status=S.SUBMITTED)
    intake = as_user(make_staff(roles.INTAKE))
    stale = case.version
    post(intake, "accept", case)
    r = post(intake, "refuse", case, {"reason": "x", "version": stale}, follow=True)
    assert "reload" in r.content.decode()
    assert Case.objects.get(pk=case.pk).status == S.ACCEPTED


def test_queue_filters_and_constant_queries(as_user):
    intake_user = make_staff(roles.INTAKE)
    c = as_user(intake_user)
    make_case(status=S.SUBMITTED, respondent_stall="C区9-9")
    url = reverse("cases:queue")
    c.get(url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as one:
        assert c.get(url).status_code == 200
    for _ in range(4):
        make_case(status=S.ACCEPTED)
    with CaptureQueriesContext(connection) as five:
        r = c.get(url)
    assert len(five) == len(one)
    assert r.content.decode().count('href="/cases/') >= 5
    r = c.get(url, {"stall": "C区9"})
    assert r.content.decode().count("C区9-9") == 1
    assert len(r.context["page"].object_list) == 1
    r = c.get(url, {"status": "accepted", "o": "deadline"})
    assert len(r.context["page"].object_list) == 4
    r = c.get(url, {"due": "overdue"})
    assert len(r.context["page"].object_list) == 0
    r = c.get(url, {"due": "soon", "within": "30"})
    assert len(r.context["page"].object_list) == 5


def test_assign_to_me_and_inbox_unread_count(
    as_user, django_capture_on_commit_callbacks
):
    case = make_case(status=S.SUBMITTED)
    me = make_staff(roles.INTAKE)
    c = as_user(me)
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("cases:assign", args=[case.pk]), {"me": "1"})
    assert Case.objects.get(pk=case.pk).assignee == me
    page = c.get(reverse("cases:inbox")).content.decode()
    assert "assigned to you" in page
    assert re.search(r'class="badge unread"[^>]*>1<', page)
    c.post(reverse("cases:read-all"))
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()


def test_invited_respondent_joins_by_link(as_user):
    case = make_case(status=S.INFRINGING)
    staff = as_user(make_staff(roles.MEDIATOR))
    post(staff, "invite-respondent", case)
    token = Case.objects.get(pk=case.pk).invite_token
    newcomer = make_user()
    r = as_user(newcomer).post(reverse("cases:join", args=[token]))
    assert r.status_code == 302
    assert Case.objects.get(pk=case.pk).respondent == newcomer


def test_chinese_page(as_user, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    case = make_case(status=S.SUBMITTED)
    c = as_user(case.complainant)
    page = c.get(
        case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "已提交" in page or "投诉" in page
    assert "历史" in page


def test_dashboard_flags_estimated_deadlines_and_shows_case_tiles(as_user, monkeypatch):
    case = make_case(status=S.SUBMITTED)
    monkeypatch.setattr(
        timezone, "localdate", lambda *a, **k: datetime.date(2031, 3, 3)
    )
    services.accept_case(case, by=make_staff(roles.INTAKE))
    monkeypatch.undo()
    director = as_user(make_staff(roles.ADMINISTRATOR))
    page = director.get(reverse("dashboard:home")).content.decode()
    assert "2031" in page and "no official working-day calendar" in page
    assert "open cases" in page and "overdue cases" in page


def test_invited_respondent_signs_up_from_the_link_and_is_linked(client):
    case = make_case(status=S.INFRINGING)
    from cases import services as cs

    token = cs.invite_respondent(case, by=make_staff(roles.MEDIATOR))
    join_url = reverse("cases:join", args=[token])
    page = client.get(join_url).content.decode()
    signup_url = f"{reverse('accounts:signup')}?next={join_url}"
    assert f"{reverse('accounts:signup')}?next=" in page
    r = client.post(
        signup_url,
        {
            "username": "newstall",
            "email": "newstall@example.com",
            "phone": "13900001111",
            "shop_name": "新开家纺摊",
            "stall_no": "E区1-01",
            "password1": "a-long-Pass-phrase-77",
            "password2": "a-long-Pass-phrase-77",
        },
    )
    assert r.status_code == 302 and r["Location"] == join_url
    client.post(join_url)
    case.refresh_from_db()
    assert case.respondent.username == "newstall"


def test_match_report_shows_photo_and_registered_design_side_by_side(as_user):
    case = make_case(status=S.SUBMITTED)
    design = case.designs.get()
    photo = case.evidence.get(kind="photo")
    Case.objects.filter(pk=case.pk).update(
        match_report={
            "available": True,
            "algorithm": "fake-2",
            "at": "2026-11-27T10:00:00",
            "photos": [
                {
                    "evidence_id": photo.pk,
                    "candidates": [
                        {
                            "design_id": design.pk,
                            "registration_no": design.registration_no,
                            "title": design.title,
                            "score": 0.91,
                            "is_match": True,
                            "alteration": "recoloured",
                        }
                    ],
                    "relied": [
                        {"design_id": design.pk, "registration_no": "x", "score": 0.91}
                    ],
                }
            ],
        }
    )
    page = (
        as_user(make_staff(roles.EXAMINER))
        .get(case.get_absolute_url())
        .content.decode()
    )
    block = page[page.index('class="match two-col"') :]
    assert reverse("cases:evidence", args=[photo.pk]) in block
    assert reverse("designs:image", args=[design.primary_image.pk]) in block
    assert "0.91" in block and "recoloured" in block


def test_form_offers_only_my_registered_designs(as_user):
    me = make_user()
    mine = make_design(owner=me, status=FabricDesign.Status.REGISTERED)
    my_draft = make_design(owner=me)
    theirs = make_design(status=FabricDesign.Status.REGISTERED)
    page = as_user(me).get(reverse("cases:new")).content.decode()
    assert f'value="{mine.pk}"' in page
    assert f'value="{my_draft.pk}"' not in page and f'value="{theirs.pk}"' not in page


def test_my_complaints_marks_where_it_is_my_turn(as_user):
    case = make_case(status=S.RESPONDENT_NOTIFIED)
    page = as_user(case.respondent).get(reverse("cases:mine")).content.decode()
    assert case.number in page and "your turn" in page
    page = as_user(case.complainant).get(reverse("cases:mine")).content.decode()
    assert case.number in page and "your turn" not in page


def test_match_report_shows_a_close_comparison_with_a_relied_design(as_user):
    case = make_case(status=S.SUBMITTED)
    design = case.designs.get()
    photo = case.evidence.get(kind="photo")
    relied = closely_compared_row(design, 0.71)
    Case.objects.filter(pk=case.pk).update(
        match_report={
            "available": True,
            "algorithm": "fake-2",
            "at": "2026-12-07T10:00:00",
            "photos": [{"evidence_id": photo.pk, "candidates": [], "relied": [relied]}],
        }
    )
    page = (
        as_user(make_staff(roles.EXAMINER))
        .get(case.get_absolute_url())
        .content.decode()
    )
    block = page[page.index('class="match two-col"') :]
    line = block[block.index(design.registration_no) :]
    line = line[: line.index("</p>")]
    assert "0.71" in line and 'class="badge rejected"' in line
    assert "photographed" in line
    # The design itself beside the photo, though the registry search did not list it.
    caption = block.index("Relied-on design, compared closely")
    figure = block[block.rindex("<figure", 0, caption) : caption]
    assert reverse("designs:image", args=[design.primary_image.pk]) in figure
