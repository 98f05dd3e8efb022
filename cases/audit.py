"""Check the hash chain of case audit trails."""

import itertools
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


def _check_chain(case_id, events, audit_count, audit_head) -> Break | None:
    prev_hash = ""
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            return Break(case_id, expected_seq, event.pk, "entry missing (deleted?)")
        if event.prev_hash != prev_hash:
            return Break(
                case_id, event.seq, event.pk, "does not follow the entry before"
            )
        if event.compute_hash() != event.hash:
            return Break(case_id, event.seq, event.pk, "content changed after writing")
        prev_hash = event.hash
        expected_seq += 1
    # The case row remembers the last hash, so deleting the newest entries shows too.
    if audit_count != expected_seq - 1 or audit_head != prev_hash:
        return Break(case_id, expected_seq, None, "latest entries missing (deleted?)")
    return None


def verify_case(case: Case) -> Break | None:
    """Return the first broken entry of the case's audit trail, or None if intact."""
    events = CaseEvent.objects.filter(case=case).order_by("seq")
    return _check_chain(case.pk, events, case.audit_count, case.audit_head)


def verify_all(cases=None):
    """Yield the first break of every case whose trail is broken (two streamed queries)."""
    cases = cases if cases is not None else Case.objects.all()
    heads = {
        pk: (count, head)
        for pk, count, head in cases.values_list("pk", "audit_count", "audit_head")
    }
    events = (
        CaseEvent.objects.filter(case_id__in=cases.values("pk"))
        .order_by("case_id", "seq")
        .iterator(chunk_size=5000)
    )
    for case_id, group in itertools.groupby(events, key=lambda e: e.case_id):
        count, head = heads.pop(case_id)
        broken = _check_chain(case_id, group, count, head)
        if broken:
            yield broken
    # Cases with no events left at all.
    for case_id, (count, head) in sorted(heads.items()):
        broken = _check_chain(case_id, [], count, head)
        if broken:
            yield broken
