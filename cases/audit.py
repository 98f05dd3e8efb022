"""Check the hash chain of case audit trails."""

from dataclasses import dataclass

from cases.models import Case, CaseEvent


@dataclass(frozen=True)
class Break:
    case_id: int
    seq: int
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.event_id}" if self.event_id else "after the last event"
        return f"case {self.case_id}, entry #{self.seq} ({where}): {self.problem}"


def verify_case(case: Case) -> Break | None:
    """Return the first broken entry of the case's audit trail, or None if intact."""
    prev_hash = ""
    expected_seq = 1
    for event in CaseEvent.objects.filter(case=case).order_by("seq"):
        if event.seq != expected_seq:
            return Break(case.pk, expected_seq, event.pk, "entry missing (deleted?)")
        if event.prev_hash != prev_hash:
            return Break(
                case.pk, event.seq, event.pk, "does not follow the entry before"
            )
        if event.compute_hash() != event.hash:
            return Break(case.pk, event.seq, event.pk, "content changed after writing")
        prev_hash = event.hash
        expected_seq += 1
    # The case row remembers the last hash, so deleting the newest entries shows too.
    if case.audit_count != expected_seq - 1 or case.audit_head != prev_hash:
        return Break(case.pk, expected_seq, None, "latest entries missing (deleted?)")
    return None


def verify_all(cases=None):
    """Yield the first break of every case whose trail is broken."""
    for case in (
        cases if cases is not None else Case.objects.order_by("pk")
    ).iterator():
        broken = verify_case(case)
        if broken:
            yield broken
