import pytest
from django.core import mail
from django.urls import reverse

from accounts import roles
from cases import services
from cases.models import Case, CaseEvent
from tests.factories import make_case, make_staff, make_user

pytestmark = pytest.mark.django_db
S = Case.Status


def test_bulk_assign_writes_one_entry_per_case(
    client, django_capture_on_commit_callbacks
):
    intake = make_staff(roles.INTAKE)
    mediator = make_staff(roles.MEDIATOR)
    cases = [make_case(status=S.SUBMITTED) for _ in range(3)]
    before = {c.pk: c.events.count() for c in cases}
    client.force_login(intake)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cases:bulk"),
            {
                "action": "assign",
                "assignee": mediator.pk,
                "case": [c.pk for c in cases],
            },
        )
    assert response.status_code == 302
    for case in cases:
        case.refresh_from_db()
        assert case.assignee == mediator
        assert case.events.count() == before[case.pk] + 1
        assert case.events.order_by("-seq").first().actor == intake
    assert any(mediator.email in m.to for m in mail.outbox)


def test_bulk_remind_is_all_or_nothing(client):
    intake = make_staff(roles.INTAKE)
    open_case = make_case(status=S.ACCEPTED)
    finished = make_case(status=S.NOT_ACCEPTED)
    counts = {
        c.pk: CaseEvent.objects.filter(case=c).count() for c in (open_case, finished)
    }
    client.force_login(intake)
    response = client.post(
        reverse("cases:bulk"),
        {"action": "remind", "case": [open_case.pk, finished.pk]},
        follow=True,
    )
    assert "is finished; nobody needs a reminder" in response.content.decode()
    for case in (open_case, finished):
        assert CaseEvent.objects.filter(case=case).count() == counts[case.pk]
    open_case.refresh_from_db()
    assert open_case.reminded_on is None
    services.remind_cases([open_case], by=intake)
    open_case.refresh_from_db()
    assert open_case.reminded_on is not None
    assert open_case.events.order_by("-seq").first().note == "Reminder sent."


def test_bulk_assign_to_a_merchant_is_refused(client):
    case = make_case(status=S.SUBMITTED)
    client.force_login(make_staff(roles.INTAKE))
    response = client.post(
        reverse("cases:bulk"),
        {"action": "assign", "assignee": make_user().pk, "case": [case.pk]},
        follow=True,
    )
    assert "can only be assigned to center staff" in response.content.decode()
    case.refresh_from_db()
    assert case.assignee is None


def test_merchant_cannot_use_bulk_actions(client):
    case = make_case(status=S.SUBMITTED)
    client.force_login(case.complainant)
    assert (
        client.post(
            reverse("cases:bulk"), {"action": "remind", "case": [case.pk]}
        ).status_code
        == 403
    )
    assert not case.events.filter(note="Reminder sent.").exists()
