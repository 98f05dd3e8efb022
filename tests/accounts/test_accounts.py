import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from accounts import roles
from accounts.models import User
from accounts.privacy import mask_phone, phone_for
from tests.factories import make_staff, make_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_merchant_signs_up_and_is_logged_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "jinxiu",
            "email": "jx@example.com",
            "phone": "13862811234",
            "shop_name": "锦绣坊家纺",
            "stall_no": "A区2-108",
            "credit_code": "91320612MA1XXXXX0X",
            "password1": "a-Long-pass-2026",
            "password2": "a-Long-pass-2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="jinxiu")
    assert (user.shop_name, user.stall_no, user.phone) == (
        "锦绣坊家纺",
        "A区2-108",
        "13862811234",
    )
    assert not user.is_staff and not user.groups.exists()
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_signup_rejects_bad_phone_and_credit_code(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "x",
            "email": "x@example.com",
            "phone": "abc",
            "shop_name": "s",
            "stall_no": "1",
            "credit_code": "123",
            "password1": "a-Long-pass-2026",
            "password2": "a-Long-pass-2026",
        },
    )
    body = response.content.decode()
    assert "Enter a phone number" in body
    assert "18 characters" in body
    assert not User.objects.filter(username="x").exists()


def test_password_reset_sends_an_email(client):
    make_user(email="owner@example.com")
    client.post(reverse("accounts:password-reset"), {"email": "owner@example.com"})
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_roles_exist_with_permissions():
    roles.ensure_roles()
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.STAFF_ROLES)
    admin = make_staff(roles.ADMINISTRATOR)
    intake = make_staff(roles.INTAKE)
    assert admin.has_perm("designs.revoke_design") and admin.has_perm(
        "accounts.add_user"
    )
    assert intake.has_perm("designs.review_design") and not intake.has_perm(
        "designs.revoke_design"
    )


def test_phone_is_masked_except_for_owner_and_staff():
    owner = make_user(phone="13812341234")
    other = make_user()
    staff = make_staff(roles.MEDIATOR)
    assert mask_phone("13812341234") == "138****1234"
    assert phone_for(other, owner) == "138****1234"
    assert phone_for(owner, owner) == "13812341234"
    assert phone_for(staff, owner) == "13812341234"
    request = RequestFactory().get("/")
    request.user = other
    rendered = Template("{% load privacy %}{% phone_of owner %}").render(
        Context({"request": request, "owner": owner})
    )
    assert rendered == "138****1234"


def _run_check(env_extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPCENTER_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _run_check(
        {
            "IPCENTER_DEBUG": "false",
            "IPCENTER_SECRET_KEY": "x7#Qp2!vL9$wRt4&zK8^mN3*bH6@cJ1%dF5(gS0)yU-eA_iO+pW=",
            "IPCENTER_ALLOWED_HOSTS": "ipcenter.example.cn",
            "IPCENTER_DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = _run_check({"IPCENTER_DEBUG": "false", "IPCENTER_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "IPCENTER_SECRET_KEY is not set" in result.stderr


def test_bad_boolean_setting_is_a_clear_error(tmp_path):
    result = _run_check({"IPCENTER_DEBUG": "yes", "IPCENTER_DATA_DIR": str(tmp_path)})
    assert "IPCENTER_DEBUG must be 'true' or 'false'" in result.stderr


def test_administrator_creates_staff_with_a_role(client):
    client.force_login(make_staff(roles.ADMINISTRATOR))
    response = client.post(
        reverse("accounts:staff"),
        {
            "username": "zhou",
            "first_name": "周敏",
            "email": "z@example.com",
            "phone": "13800000000",
            "role": roles.MEDIATOR,
            "password": "first-pass-2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="zhou")
    assert list(user.groups.values_list("name", flat=True)) == [roles.MEDIATOR]
    assert user.check_password("first-pass-2026")
    assert not user.is_staff  # the Django admin stays for the administrator
    assert "周敏" in client.get(reverse("accounts:staff")).content.decode()


@pytest.mark.parametrize("role", [None, roles.INTAKE, roles.MEDIATOR])
def test_only_the_administrator_creates_staff(client, role):
    client.force_login(make_user(role=role))
    response = client.post(
        reverse("accounts:staff"),
        {
            "username": "sneaky",
            "first_name": "x",
            "role": roles.ADMINISTRATOR,
            "password": "first-pass-2026",
        },
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="sneaky").exists()
