import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from accounts import roles
from cases import services
from cases.audit import verify_case
from cases.models import Case, CaseEvent
from tests.factories import make_case, make_staff

S = Case.Status


@pytest.mark.django_db
def test_verify_audit_passes_then_names_an_edited_entry(capsys):
    case = make_case(status=S.IN_COMPARISON)
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out
    second = case.events.get(seq=2)
    # Behind the application's back: a queryset update skips save().
    CaseEvent.objects.filter(pk=second.pk).update(note="改过")
    with pytest.raises(CommandError):
        call_command("verify_audit")
    err = capsys.readouterr().err
    assert f"case {case.pk}, entry #2 (event {second.pk})" in err


@pytest.mark.django_db
def test_deleted_entries_are_found():
    case = make_case(status=S.IN_COMPARISON)
    CaseEvent.objects.filter(case=case, seq=1).delete()
    assert verify_case(case).seq == 1
    other = make_case(status=S.ACCEPTED)
    CaseEvent.objects.filter(case=other, seq=2).delete()
    broken = verify_case(other)
    assert broken.seq == 2 and broken.event_id is None


@pytest.mark.django_db
def test_events_cannot_be_saved_twice():
    event = make_case().events.get()
    event.note = "x"
    with pytest.raises(ValueError):
        event.save()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite locks the whole database; row locks need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_staff_acting_at_once_exactly_one_wins():
    case = make_case(status=S.SUBMITTED)
    first, second = make_staff(roles.INTAKE), make_staff(roles.INTAKE)
    seen = case.version
    barrier = threading.Barrier(2)
    outcomes = {}

    def act(name, user, action):
        try:
            barrier.wait()
            action(case, user)
            outcomes[name] = "won"
        except services.CaseChanged as e:
            outcomes[name] = str(e)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=act,
            args=(
                "accept",
                first,
                lambda c, u: services.accept_case(c, by=u, expected_version=seen),
            ),
        ),
        threading.Thread(
            target=act,
            args=(
                "refuse",
                second,
                lambda c, u: services.refuse_case(
                    c, by=u, reason="材料不全", expected_version=seen
                ),
            ),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values())[-1] == "won"
    assert list(outcomes.values()).count("won") == 1
    loser = next(v for v in outcomes.values() if v != "won")
    assert "reload" in loser
    case.refresh_from_db()
    assert case.events.count() == 2  # submitted + exactly one decision
    assert case.status in (S.ACCEPTED, S.NOT_ACCEPTED)
    assert verify_case(case) is None


@pytest.mark.django_db
def test_verify_all_finds_a_case_whose_events_were_all_deleted():
    from cases.audit import verify_all

    intact, emptied = make_case(), make_case(status=S.ACCEPTED)
    CaseEvent.objects.filter(case=emptied).delete()
    broken = list(verify_all())
    assert [(b.case_id, b.seq) for b in broken] == [(emptied.pk, 1)]
    assert verify_case(intact) is None


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite locks the whole database; row locks need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_get_consecutive_numbers():
    from tests.factories import make_draft_case

    drafts = [make_draft_case() for _ in range(4)]
    barrier = threading.Barrier(len(drafts))
    errors = []

    def file(case):
        try:
            barrier.wait()
            services.submit_complaint(case, by=case.complainant)
        except Exception as e:  # collected and asserted below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=file, args=(c,)) for c in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003", "000004"]
