"""Login lockout, identical failures, session rotation and ending, TOTP two-factor."""

import re
import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from security.views import PENDING
from tests.factories import make_staff, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _post_login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _strip_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_wrong_password_and_unknown_user_get_the_same_page(client):
    make_user(username="hua", password="right-pass-123")
    wrong = _post_login(client, "hua", "nope")
    client.cookies.clear()
    unknown = _post_login(client, "nobody-here", "nope")
    assert wrong.status_code == unknown.status_code == 200
    wrong_html = _strip_tokens(wrong.content.decode()).replace("hua", "X")
    unknown_html = _strip_tokens(unknown.content.decode()).replace("nobody-here", "X")
    assert wrong_html == unknown_html
    assert "Please enter a correct username and password" in wrong_html


def test_disabled_account_fails_like_a_wrong_password(client):
    make_user(username="off", password="right-pass-123", is_active=False)
    response = _post_login(client, "off", "right-pass-123")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_fifth_failure_locks_the_account_from_that_address(client):
    user = make_user(username="lock", password="right-pass-123")
    for _ in range(4):
        assert _post_login(client, "lock", "bad").status_code == 200
    locked = _post_login(client, "lock", "bad")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert "Try again in 15 minutes" in locked.content.decode()
    # Even the right password is refused now.
    again = _post_login(client, "lock", "right-pass-123")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out of the same account ...
    other = _post_login(client, "lock", "right-pass-123", REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_lockout_is_per_account_so_others_still_log_in(client):
    make_user(username="victim", password="right-pass-123")
    for _ in range(5):
        _post_login(client, "victim", "bad")
    make_user(username="bystander", password="right-pass-123")
    assert _post_login(client, "bystander", "right-pass-123").status_code == 302


def test_unknown_usernames_lock_out_too(client):
    # Otherwise the lockout itself would tell which usernames exist.
    for _ in range(5):
        response = _post_login(client, "ghost", "bad")
    assert response.status_code == 429


def test_lockout_page_is_translated(client):
    make_user(username="zh", password="right-pass-123")
    for _ in range(5):
        response = _post_login(client, "zh", "bad", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert "请在 15 分钟后重试" in response.content.decode()


def test_success_resets_the_failure_count(client):
    make_user(username="reset", password="right-pass-123")
    for _ in range(4):
        _post_login(client, "reset", "bad")
    assert _post_login(client, "reset", "right-pass-123").status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        assert _post_login(client, "reset", "bad").status_code == 200


def test_session_id_rotates_at_login(client):
    make_user(username="rot", password="right-pass-123")
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    _post_login(client, "rot", "right-pass-123")
    after = client.cookies["sessionid"].value
    assert after != before
    assert not SessionStore().exists(before)  # a fixated id is worth nothing


def test_logout_ends_the_session_server_side(client):
    make_user(username="out", password="right-pass-123")
    _post_login(client, "out", "right-pass-123")
    stolen = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    assert not SessionStore().exists(stolen)
    client.cookies["sessionid"] = stolen  # replaying the old cookie gets nothing
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert LOGIN in response["Location"]


def test_disabling_an_account_ends_its_open_sessions(client):
    user = make_user(username="gone", password="right-pass-123")
    _post_login(client, "gone", "right-pass-123")
    assert client.get(reverse("accounts:profile")).status_code == 200
    user.is_active = False
    user.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert LOGIN in response["Location"]


def test_admin_login_goes_through_our_form(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


# --- two-factor -------------------------------------------------------------------


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def _enrol(client, user) -> TOTPDevice:
    client.force_login(user)
    page = client.get(reverse("security:two-factor"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.context["secret"] in page.content.decode()
    response = client.post(reverse("security:two-factor"), {"token": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_merchants_have_no_two_factor_page(client):
    client.force_login(make_user())
    assert client.get(reverse("security:two-factor")).status_code == 404


def test_enrolment_rejects_a_wrong_code(client):
    client.force_login(make_staff(roles.MEDIATOR))
    client.get(reverse("security:two-factor"))
    response = client.post(reverse("security:two-factor"), {"token": "000000"})
    assert "That code is wrong or has expired." in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_staff_login_with_two_factor_needs_the_code(client):
    staff = make_staff(roles.EXAMINER, username="exam", password="right-pass-123")
    device = _enrol(client, staff)
    client.post(reverse("accounts:logout"))

    response = _post_login(client, "exam", "right-pass-123")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:verify"))
    assert "_auth_user_id" not in client.session  # not logged in by the password alone
    assert client.get(reverse("accounts:profile")).status_code == 302

    wrong = client.post(response["Location"], {"token": "123456"})
    assert "That code is wrong or has expired." in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # skip the throttle's back-off in the test
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post(response["Location"], {"token": _code(device, offset=30)})
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert PENDING not in client.session


def test_wrong_codes_count_towards_the_lockout(client):
    staff = make_staff(roles.EXAMINER, username="exam2", password="right-pass-123")
    _enrol(client, staff)
    client.post(reverse("accounts:logout"))
    response = _post_login(client, "exam2", "right-pass-123")
    verify_url = response["Location"]
    statuses = [
        client.post(verify_url, {"token": "000000"}).status_code for _ in range(5)
    ]
    assert statuses[-1] == 429
    assert "_auth_user_id" not in client.session


def test_a_session_that_skipped_the_code_is_ended(client):
    staff = make_staff(roles.MEDIATOR)
    _enrol(client, staff)
    other = type(client)()
    other.force_login(staff)  # a login that did not go through the code step
    response = other.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert "_auth_user_id" not in other.session
    # The session that enrolled was verified and stays.
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_turning_two_factor_off_needs_a_code(client):
    staff = make_staff(roles.ADMINISTRATOR)
    device = _enrol(client, staff)
    response = client.post(reverse("security:two-factor"), {"token": "000000"})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    client.post(reverse("security:two-factor"), {"token": _code(device, offset=30)})
    assert not TOTPDevice.objects.filter(user=staff).exists()
