import pytest
from django.core import mail
from django.urls import reverse

from accounts import roles
from cases.models import Case
from dashboard import prior_art, watch
from dashboard.models import Watch, WatchAlert
from designs import services as design_services
from designs.models import FabricDesign
from tests.factories import make_case, make_design, make_staff, make_user

pytestmark = pytest.mark.django_db
S = FabricDesign.Status


@pytest.fixture
def looks_like(monkeypatch):
    """Make the image search say that design `copy` looks like design `original`."""
    pairs = {}

    def fake(design, *, top=3):
        original = pairs.get(design.pk)
        if original is None:
            return []
        return [
            prior_art.Hit(
                original.pk,
                original.registration_no,
                original.title,
                None,
                88,
                "mirrored",
            )
        ]

    monkeypatch.setattr(prior_art, "similar_registered", fake)
    return pairs


def test_owner_is_alerted_when_staff_register_a_look_alike(
    client, looks_like, django_capture_on_commit_callbacks
):
    owner = make_user()
    original = make_design(owner=owner, status=S.REGISTERED)
    watch.watch_design(original, by=owner)
    copy = make_design(status=S.SUBMITTED, title="仿款")
    looks_like[copy.pk] = original
    assert watch.scan_registrations() == []  # a submitted draft never alerts anyone
    design_services.register_design(copy, by=make_staff(roles.INTAKE))
    with django_capture_on_commit_callbacks(execute=True):
        alerts = watch.scan_registrations()
    assert [(a.watch.design, a.matched_design, a.kind) for a in alerts] == [
        (original, copy, "registration")
    ]
    assert len(mail.outbox) == 1 and original.registration_no in mail.outbox[0].body
    assert watch.scan_registrations() == []  # each registration is scanned once

    client.force_login(owner)
    assert (
        client.get(reverse("designs:list")).context["unread_alerts"] == 1
    )  # header badge
    body = client.get(reverse("dashboard:watch")).content.decode()
    assert copy.title in body and "88%" in body
    assert WatchAlert.objects.get().read_at is not None


def test_own_registrations_do_not_alert(looks_like):
    owner = make_user()
    original = make_design(owner=owner, status=S.REGISTERED)
    watch.watch_design(original, by=owner)
    mine = make_design(owner=owner, status=S.REGISTERED)
    looks_like[mine.pk] = original
    assert watch.scan_registrations() == []


def _report(case: Case, design: FabricDesign, *, is_match=True) -> None:
    evidence = case.evidence.first()
    case.match_report = {
        "available": True,
        "photos": [
            {
                "evidence_id": evidence.pk,
                "candidates": [
                    {
                        "design_id": design.pk,
                        "score": 0.9,
                        "is_match": is_match,
                        "alteration": "recoloured",
                    }
                ],
            }
        ],
    }
    case.save(update_fields=["match_report"])


def test_evidence_in_someone_elses_complaint_alerts_the_owner(client):
    owner = make_user()
    watched = make_design(owner=owner, status=S.REGISTERED)
    watch.watch_design(watched, by=owner)
    case = make_case(status=Case.Status.SUBMITTED)
    _report(case, watched)
    alerts = watch.scan_evidence()
    assert [(a.kind, a.evidence.case_id) for a in alerts] == [("evidence", case.pk)]
    client.force_login(owner)
    image = client.get(reverse("dashboard:alert-image", args=[alerts[0].pk]))
    assert image.status_code == 200 and image["Content-Type"].startswith("image/")
    client.force_login(make_user())
    assert (
        client.get(reverse("dashboard:alert-image", args=[alerts[0].pk])).status_code
        == 404
    )


def test_no_evidence_alert_for_parties_or_weak_matches():
    owner = make_user()
    watched = make_design(owner=owner, status=S.REGISTERED)
    watch.watch_design(watched, by=owner)
    own_case = make_case(
        status=Case.Status.SUBMITTED, design=watched
    )  # owner is the complainant
    _report(own_case, watched)
    other = make_case(status=Case.Status.SUBMITTED)
    _report(other, watched, is_match=False)
    assert watch.scan_evidence() == []


def test_only_own_registered_designs_can_be_watched(client):
    owner = make_user()
    draft = make_design(owner=owner)
    with pytest.raises(watch.WatchError):
        watch.watch_design(draft, by=owner)
    registered = make_design(status=S.REGISTERED)
    client.force_login(owner)
    assert (
        client.post(
            reverse("dashboard:watch-toggle", args=[registered.pk]), {"watch": "on"}
        ).status_code
        == 404
    )
    assert not Watch.objects.exists()
    mine = make_design(owner=owner, status=S.REGISTERED)
    client.post(reverse("dashboard:watch-toggle", args=[mine.pk]), {"watch": "on"})
    assert Watch.objects.get().design == mine
    client.post(reverse("dashboard:watch-toggle", args=[mine.pk]))
    assert not Watch.objects.exists()


def test_registration_scan_retries_when_the_search_is_down(monkeypatch, looks_like):
    owner = make_user()
    original = make_design(owner=owner, status=S.REGISTERED)
    watch.watch_design(original, by=owner)
    copy = make_design(status=S.REGISTERED)
    looks_like[copy.pk] = original
    working = prior_art.similar_registered

    def broken(design, *, top=3):
        raise prior_art.SearchUnavailable("down")

    monkeypatch.setattr(prior_art, "similar_registered", broken)
    assert watch.scan_registrations() == []
    monkeypatch.setattr(prior_art, "similar_registered", working)
    assert [a.matched_design for a in watch.scan_registrations()] == [copy]
