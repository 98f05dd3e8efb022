import pytest
from django.urls import reverse

from accounts import roles
from cases import respondents
from cases.models import Case
from tests.factories import make_case, make_staff, make_user

pytestmark = pytest.mark.django_db
S = Case.Status


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("B区2-18", "B2-18"),
        ("b２－１８号", "B2-18"),
        (" B 区 2—18 ", "B2-18"),
        ("摊位#B2-18", "B2-18"),
    ],
)
def test_stall_numbers_normalise(raw, key):
    assert respondents.normalise_stall(raw) == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("13900001111", "13900001111"),
        ("+86 139-0000-1111", "13900001111"),
        ("0086 13900001111", "13900001111"),
        ("１３９００００１１１１", "13900001111"),
        ("123", ""),
    ],
)
def test_phones_normalise(raw, key):
    assert respondents.normalise_phone(raw) == key


def test_same_respondent_recognised_by_stall_phone_or_account():
    shop = make_user(shop_name="仿冒家纺店", stall_no="B区2-18")
    a = make_case(status=S.INFRINGING, respondent_stall="B区2-18", respondent_phone="")
    b = make_case(
        status=S.INFRINGING, respondent_stall="b2－18号", respondent_phone="13900001111"
    )
    c = make_case(
        status=S.INFRINGING, respondent_stall="", respondent_phone="+86 139 0000 1111"
    )
    make_case(
        status=S.IN_COMPARISON, respondent_stall="B2-18"
    )  # not determined: not counted
    other = make_case(
        status=S.INFRINGING, respondent_stall="C区9-9", respondent_phone=""
    )
    groups = respondents.repeat_respondents()
    assert len(groups) == 1
    assert sorted(groups[0].case_ids) == sorted([a.pk, b.pk, c.pk])
    new = make_case(status=S.SUBMITTED, respondent_stall="B 2-18")
    assert respondents.prior_infringements(new) == 3
    assert respondents.prior_infringements(other) == 0
    assert respondents.prior_infringements(a) == 2
    assert shop  # an account match is tested through the register page below


def test_register_page_masks_phones_for_examiners(client):
    make_case(
        status=S.INFRINGING, respondent_stall="D区1-1", respondent_phone="13912345678"
    )
    make_case(
        status=S.INFRINGING, respondent_stall="D区1-1", respondent_phone="13912345678"
    )
    client.force_login(make_staff(roles.EXAMINER))
    body = client.get(reverse("dashboard:repeat-respondents")).content.decode()
    assert "139****5678" in body and "13912345678" not in body
    client.force_login(make_staff(roles.MEDIATOR))
    body = client.get(reverse("dashboard:repeat-respondents")).content.decode()
    assert "13912345678" in body
    csv = client.get(
        reverse("dashboard:repeat-respondents"), {"format": "csv"}
    ).content.decode("utf-8-sig")
    assert "D区1-1" in csv


def test_register_is_staff_only(client):
    client.force_login(make_user())
    assert client.get(reverse("dashboard:repeat-respondents")).status_code == 403


def test_staff_see_the_respondents_record_on_a_new_complaint(client):
    make_case(status=S.INFRINGING, respondent_stall="E区5-55")
    make_case(status=S.INFRINGING, respondent_stall="e5－55号")
    new = make_case(status=S.SUBMITTED, respondent_stall="E区5-55")
    client.force_login(make_staff(roles.INTAKE))
    response = client.get(reverse("cases:detail", args=[new.pk]))
    assert response.context["prior_infringements"] == 2
    assert "2 earlier determinations of infringement" in response.content.decode()
    client.force_login(new.complainant)
    response = client.get(reverse("cases:detail", args=[new.pk]))
    assert response.context["prior_infringements"] is None
