from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts import roles
from dashboard import prior_art
from designs.models import DesignEvent, FabricDesign
from tests.factories import make_design, make_staff

pytestmark = pytest.mark.django_db
S = FabricDesign.Status


@pytest.fixture
def warned(monkeypatch):
    """Pretend the image search finds a registered look-alike for designs titled 'copy'."""
    original = make_design(status=S.REGISTERED)

    def fake(design, *, top=3):
        if design.title != "copy":
            return []
        return [
            SimpleNamespace(
                design_id=original.pk,
                registration_no=original.registration_no,
                title=original.title,
                image_id=original.images.get().pk,
                percent=91,
                alteration="mirrored",
            )
        ]

    monkeypatch.setattr(prior_art, "similar_registered", fake)
    return original


def test_administrator_registers_a_batch_after_reviewing_warnings(client, warned):
    a = make_design(status=S.SUBMITTED, title="clean")
    b = make_design(status=S.SUBMITTED, title="copy")
    client.force_login(make_staff(roles.ADMINISTRATOR))
    page = client.get(reverse("dashboard:batch-review")).content.decode()
    assert warned.registration_no in page and "91%" in page

    response = client.post(
        reverse("dashboard:batch-review"), {"design": [a.pk, b.pk]}, follow=True
    )
    assert "tick “reviewed”" in response.content.decode()
    assert (
        FabricDesign.objects.filter(pk__in=[a.pk, b.pk], status=S.SUBMITTED).count()
        == 2
    )

    client.post(
        reverse("dashboard:batch-review"),
        {"design": [a.pk, b.pk], "reviewed": [b.pk], "note": "批量审核"},
    )
    for design in (a, b):
        design.refresh_from_db()
        assert design.status == S.REGISTERED and design.registration_no
        assert (
            DesignEvent.objects.filter(
                design=design, to_status=S.REGISTERED, note="批量审核"
            ).count()
            == 1
        )


def test_batch_is_all_or_nothing(client, warned):
    a = make_design(status=S.SUBMITTED, title="clean")
    b = make_design(status=S.SUBMITTED, title="clean too")
    # b is withdrawn by its owner after the page was drawn: the batch must not half-register.
    from designs import services

    admin = make_staff(roles.ADMINISTRATOR)
    client.force_login(admin)
    stale = FabricDesign.objects.get(pk=b.pk)
    services.withdraw_design(stale, by=stale.owner)
    with pytest.raises(services.TransitionNotAllowed):
        services.register_designs([a, b], by=admin)
    a.refresh_from_db()
    assert a.status == S.SUBMITTED and a.registration_no is None
    assert not DesignEvent.objects.filter(design=a, to_status=S.REGISTERED).exists()


@pytest.mark.parametrize("role", [roles.INTAKE, roles.EXAMINER, None])
def test_only_the_administrator_registers_batches(client, warned, role):
    from tests.factories import make_user

    design = make_design(status=S.SUBMITTED, title="clean")
    client.force_login(make_user(role=role))
    assert (
        client.post(
            reverse("dashboard:batch-review"), {"design": [design.pk]}
        ).status_code
        == 403
    )
    design.refresh_from_db()
    assert design.status == S.SUBMITTED


def test_no_batch_approval_without_the_image_search(client, monkeypatch):
    def broken(design, *, top=3):
        raise prior_art.SearchUnavailable("index missing")

    monkeypatch.setattr(prior_art, "similar_registered", broken)
    design = make_design(status=S.SUBMITTED, title="clean")
    client.force_login(make_staff(roles.ADMINISTRATOR))
    response = client.post(
        reverse("dashboard:batch-review"), {"design": [design.pk]}, follow=True
    )
    assert "image search is unavailable" in response.content.decode()
    design.refresh_from_db()
    assert design.status == S.SUBMITTED


def test_reviewer_sees_prior_art_on_the_design_page(client, warned):
    design = make_design(status=S.SUBMITTED, title="copy")
    client.force_login(make_staff(roles.EXAMINER))
    body = client.get(reverse("designs:detail", args=[design.pk])).content.decode()
    assert "Prior similar registered designs" in body
    assert warned.registration_no in body and "91%" in body
    # The public never sees the panel (nor the submitted design at all).
    client.logout()
    assert client.get(reverse("designs:detail", args=[design.pk])).status_code == 404
