"""Journey: a merchant files a complaint on a phone; staff take it to a signed agreement."""

import datetime
import re

import pytest
from django.utils import timezone

from accounts import roles
from cases.models import Case
from designs.models import FabricDesign
from tests.browser.conftest import PHONE
from tests.factories import make_design, make_staff, make_user, pattern_png

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "Journey-pass-2026"
CASE_URL = re.compile(r".*/cases/\d+/$")


def log_in(new_page, user, size=None):
    page = new_page(size) if size else new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button.btn").click()
    # Wait for the navigation the click starts (wait_for_load_state would return at once).
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def act(page, url: str, action: str, fill: dict | None = None, button: str = "button"):
    """Open the case, fill the form that posts to .../<action>/ and send it."""
    page.goto(url)
    form = page.locator(f"form[action$='/{action}/']").first
    for selector, value in (fill or {}).items():
        field = form.locator(selector)
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        elif field.get_attribute("type") in ("radio", "checkbox"):
            field.check()
        else:
            field.fill(value)
    form.locator(button).last.click()
    page.wait_for_url(CASE_URL)


def test_complaint_from_a_phone_to_a_signed_agreement(new_page, shot, tmp_path):
    owner = make_user(username="jinxiu", password=PASSWORD, shop_name="南通锦绣坊家纺")
    design = make_design(
        owner=owner, status=FabricDesign.Status.REGISTERED, title="缠枝牡丹四件套"
    )
    respondent = make_user(
        username="fangmao",
        password=PASSWORD,
        shop_name="仿冒家纺店",
        stall_no="B区2-18",
    )
    intake = make_staff(roles.INTAKE, username="intake", password=PASSWORD)
    examiner = make_staff(roles.EXAMINER, username="examiner", password=PASSWORD)
    mediator = make_staff(roles.MEDIATOR, username="mediator", password=PASSWORD)

    # The merchant files the complaint from a phone, with a photo of the copied goods.
    merchant = log_in(new_page, owner, PHONE)
    merchant.goto("/cases/new/")
    photo = tmp_path / "goods.png"
    photo.write_bytes(pattern_png(design.pk, size=240))
    merchant.check(f"input[name=designs][value='{design.pk}']")
    merchant.fill("#id_respondent_name", "仿冒家纺店")
    merchant.fill("#id_respondent_stall", "B区2-18")
    merchant.fill("#id_found_place", "南通家纺城 B区")
    merchant.fill("#id_found_on", "2025-09-20")
    merchant.check("#id_remedy_stop_selling")
    merchant.fill("#id_compensation", "20000")
    merchant.check("#id_undertaking")
    merchant.set_input_files("#id_photos", str(photo))
    shot(merchant, "complaint-1-form-phone")
    merchant.locator("form.complaint-form button[name=submit]").click()
    merchant.wait_for_url(CASE_URL)
    case = Case.objects.get()
    url = case.get_absolute_url()
    assert case.status == Case.Status.SUBMITTED
    assert merchant.evaluate("document.documentElement.scrollWidth") <= 390
    shot(merchant, "complaint-2-filed-phone")

    act(log_in(new_page, intake), url, "accept")
    staff = log_in(new_page, examiner)
    act(staff, url, "start-comparison")
    act(
        staff,
        url,
        "determine",
        {
            "select[name=outcome]": "infringing",
            "textarea[name=opinion]": "花型构图与色彩实质性相似。",
        },
    )
    shot(staff, "complaint-3-determined")

    staff = log_in(new_page, mediator)
    act(staff, url, "link-respondent", {"input[name=account]": respondent.username})
    act(staff, url, "notify-respondent")

    other = log_in(new_page, respondent, PHONE)
    act(
        other,
        url,
        "statement",
        {
            "textarea[name=statement]": "愿意协商解决。",
            "input[name=accepts_mediation][value=yes]": "yes",
        },
    )
    case.refresh_from_db()
    assert case.status == Case.Status.IN_MEDIATION

    due = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    act(
        staff,
        url,
        "agreement",
        {
            "textarea[name=facts]": "被投诉人销售仿冒四件套，同意停止销售并赔偿。",
            "select[name='terms-0-kind']": "cease",
            "input[name='terms-0-due_on']": due,
            "select[name='terms-1-kind']": "pay",
            "input[name='terms-1-amount']": "18000",
            "input[name='terms-1-due_on']": due,
        },
    )
    assert case.agreement.terms.count() == 2
    shot(staff, "complaint-4-agreement-draft")

    # Signatures: each party confirms in their own session.
    for page in (merchant, other, staff):
        page.goto(url)
        page.locator(
            "form[action$='/agreement/confirm/']:not(:has(select)) button"
        ).click()
        page.wait_for_url(CASE_URL)
    case.refresh_from_db()
    assert case.status == Case.Status.SETTLED
    agreement = case.agreement
    assert agreement.complainant_confirmed_at and agreement.respondent_confirmed_at
    assert agreement.mediator_confirmed_at
    shot(merchant, "complaint-5-settled-phone")
    merchant.goto(f"{url}agreement/print/")
    assert "调解协议书" in merchant.content()
    shot(merchant, "complaint-6-agreement-print-phone")
