import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from cases.models import Case
from dashboard import case_stats, reports
from dashboard.stats import Period
from tests.factories import make_case, make_design, make_staff, make_user

pytestmark = pytest.mark.django_db
S = Case.Status


@pytest.fixture
def period():
    today = timezone.localdate()
    return Period(today - datetime.timedelta(days=400), today)


@pytest.fixture
def fixture_cases():
    curtain = make_design(status="registered", category="curtain")
    towel = make_design(status="registered", category="towel")
    return {
        "closed": make_case(status=S.CLOSED, design=curtain),  # settled, paid ¥20,000
        "cleared": make_case(status=S.NOT_INFRINGING),
        "referred": make_case(status=S.REFERRED, design=towel),
        "referred2": make_case(
            status=S.REFERRED, design=curtain, complainant=curtain.owner
        ),
        "withdrawn": make_case(status=S.WITHDRAWN),
        "open": make_case(status=S.SUBMITTED),
    }


def test_complaints_per_month_counts_filed_accepted_closed(period, fixture_cases):
    rows = reports.TABLES["complaints"](period).rows
    assert sum(r[1] for r in rows) == 6
    assert sum(r[2] for r in rows) == 4  # all but withdrawn-at-intake and the open one
    # closed = any final stage: closed, referred ×2, withdrawn; not_infringing is not final yet
    assert sum(r[3] for r in rows) == 4


def test_outcome_mix_matches_hand_count(period, fixture_cases):
    mix = case_stats.outcomes(period)
    assert mix == {
        "settled": 1,
        "not_infringing": 0,  # determined, but the case file is not closed yet
        "referred": 2,
        "withdrawn": 1,
        "not_accepted": 0,
        "closed_other": 0,
    }


def test_money_agreed_and_paid(period, fixture_cases):
    m = case_stats.money(period)
    assert m["agreements"] == 1
    assert Decimal(m["compensation_agreed"]) == Decimal("20000")
    assert Decimal(m["compensation_paid"]) == Decimal("20000")
    assert Decimal(m["licence_agreed"]) == Decimal("0")
    rows = dict(reports.TABLES["money"](period).rows)
    assert rows["Compensation paid (¥)"] == "20,000.00"


def test_most_infringed_and_categories(period, fixture_cases):
    top = reports.TABLES["most-infringed"](period).rows
    assert top[0][2] == 2  # the curtain design: the closed case and one referral
    categories = dict(reports.TABLES["categories-copied"](period).rows)
    assert categories == {"Curtain (窗帘)": 2, "Towel (毛巾)": 1}


def test_statistics_page_shows_case_tables(client, fixture_cases):
    client.force_login(make_staff(roles.ADMINISTRATOR))
    body = client.get(reverse("dashboard:statistics")).content.decode()
    for title in (
        "Complaints per month",
        "Outcomes of closed cases",
        "Compensation and licence fees",
        "Most infringed designs",
    ):
        assert title in body
    csv = client.get(reverse("dashboard:export", args=["outcomes"])).content.decode(
        "utf-8-sig"
    )
    assert "Settled by agreement,1" in csv
    assert "Referred,2" in csv


def test_merchant_cannot_export_statistics(client):
    client.force_login(make_user())
    assert client.get(reverse("dashboard:export", args=["money"])).status_code == 403


def test_dashboard_shows_open_cases_by_stage(client, fixture_cases):
    client.force_login(make_staff(roles.INTAKE))
    response = client.get(reverse("dashboard:home"))
    stages = dict((str(label), n) for label, n in response.context["open_by_stage"])
    assert stages == {"Submitted": 1, "Determined not infringing": 1}
    assert "<svg" in response.content.decode()
