import pytest

from cases.audit import verify_case
from cases.demo import seed_cases
from cases.models import Case
from designs import demo as design_demo
from designs.models import FabricDesign
from tests.factories import make_design

pytestmark = pytest.mark.django_db


def test_seed_cases_covers_every_stage_once():
    users = design_demo.ensure_users()
    for name in ("merchant1", "merchant2", "merchant3"):
        make_design(owner=users[name], status=FabricDesign.Status.REGISTERED)

    assert seed_cases() == 19
    assert {c.status for c in Case.objects.all()} == set(Case.Status.values)
    assert all(verify_case(c) is None for c in Case.objects.all())
    assert Case.objects.exclude(invite_token="").exists()
    assert seed_cases() == 0
