"""A mediator turns on two-factor login by scanning the QR code, then logs in with it."""

import base64
import time

import pytest
from django_otp.oath import TOTP

from accounts import roles
from tests.factories import make_staff

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _code(secret: str, offset: int = 0) -> str:
    totp = TOTP(base64.b32decode(secret), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def test_staff_member_turns_on_two_factor_and_logs_in_with_a_code(new_page, shot):
    make_staff(roles.MEDIATOR, username="tiaojie", password="Mediator-pass-2026")
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "tiaojie")
    page.fill("#id_password", "Mediator-pass-2026")
    page.locator("main form button.btn").click()
    # wait_for_load_state() returns at once while the old page is still loaded: wait
    # for the navigation the click starts instead.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto("/accounts/2fa/two-factor/")
    assert page.locator(".qr svg").is_visible()
    secret = page.locator("code.secret").inner_text().strip()
    shot(page, "staff-1-two-factor-enrol")
    page.fill("#id_token", _code(secret))
    page.locator("main form button.btn").click()
    page.wait_for_url("**/two-factor/")
    assert page.locator(".badge.registered").is_visible()  # "on"

    page.locator("header form[action$='/logout/'] button").click()
    page.wait_for_url(lambda url: "/two-factor/" not in url)
    page.goto("/accounts/login/")
    page.fill("#id_username", "tiaojie")
    page.fill("#id_password", "Mediator-pass-2026")
    page.locator("main form button.btn").click()
    page.wait_for_url("**/accounts/2fa/verify/**")
    shot(page, "staff-2-two-factor-code")
    page.fill("#id_token", _code(secret, offset=30))  # the next code: no replay
    page.locator("main form button.btn").click()
    page.wait_for_url(lambda url: "/verify/" not in url)
    assert "/accounts/login/" not in page.url and "/verify/" not in page.url
    page.goto("/accounts/profile/")
    assert page.url.endswith("/accounts/profile/")
