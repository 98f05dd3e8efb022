import pytest
from django.urls import reverse

from designs.models import FabricDesign
from tests.factories import make_design

pytestmark = pytest.mark.django_db


def test_registered_design_is_public(client):
    design = make_design(status=FabricDesign.Status.REGISTERED)
    response = client.get(reverse("designs:detail", args=[design.pk]))
    assert response.status_code == 200
    assert design.registration_no.startswith("NTHT-")
    assert design.title in response.content.decode()
