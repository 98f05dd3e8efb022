"""Bulk synthetic cases for benchmarks (seed_bulk): realistic paths, valid audit chains."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from cases.models import Agreement, AgreementTerm, Case, CaseEvent

S = Case.Status
BATCH = 2000

# Each path is the list of stages a case went through, with how often it happens.
PATHS = [
    (0.06, [S.SUBMITTED]),
    (0.04, [S.SUBMITTED, S.ACCEPTED]),
    (0.05, [S.SUBMITTED, S.ACCEPTED, S.IN_COMPARISON]),
    (
        0.04,
        [S.SUBMITTED, S.ACCEPTED, S.IN_COMPARISON, S.INFRINGING, S.RESPONDENT_NOTIFIED],
    ),
    (
        0.06,
        [
            S.SUBMITTED,
            S.ACCEPTED,
            S.IN_COMPARISON,
            S.INFRINGING,
            S.RESPONDENT_NOTIFIED,
            S.IN_MEDIATION,
        ],
    ),
    (
        0.05,
        [
            S.SUBMITTED,
            S.ACCEPTED,
            S.IN_COMPARISON,
            S.INFRINGING,
            S.RESPONDENT_NOTIFIED,
            S.IN_MEDIATION,
            S.SETTLED,
        ],
    ),
    (
        0.40,
        [
            S.SUBMITTED,
            S.ACCEPTED,
            S.IN_COMPARISON,
            S.INFRINGING,
            S.RESPONDENT_NOTIFIED,
            S.IN_MEDIATION,
            S.SETTLED,
            S.CLOSED,
        ],
    ),
    (
        0.08,
        [
            S.SUBMITTED,
            S.ACCEPTED,
            S.IN_COMPARISON,
            S.INFRINGING,
            S.RESPONDENT_NOTIFIED,
            S.REFUSED,
            S.REFERRED,
        ],
    ),
    (0.06, [S.SUBMITTED, S.ACCEPTED, S.IN_COMPARISON, S.NOT_INFRINGING, S.CLOSED]),
    (0.05, [S.SUBMITTED, S.NOT_ACCEPTED]),
    (0.05, [S.SUBMITTED, S.NEEDS_SUPPLEMENT, S.WITHDRAWN]),
    (
        0.06,
        [
            S.SUBMITTED,
            S.NEEDS_SUPPLEMENT,
            S.RESUBMITTED,
            S.ACCEPTED,
            S.IN_COMPARISON,
            S.INFRINGING,
            S.RESPONDENT_NOTIFIED,
            S.IN_MEDIATION,
            S.FAILED,
            S.REFERRED,
        ],
    ),
]


def seed_cases(
    count: int,
    *,
    rng: random.Random,
    merchants: list[User],
    design_ids: list[int],
    stdout,
) -> int:
    """Create `count` cases with events, designs relied on and agreements; return count."""
    tz = timezone.get_current_timezone()
    now = timezone.now()
    weights = [w for w, _ in PATHS]
    staff = User.objects.filter(username="mediator").first() or merchants[0]
    year_counters: dict[int, int] = {}
    respondents = [
        (
            f"仿冒家纺{n}号店",
            f"{'ABCDE'[n % 5]}区{n % 7 + 1}-{n % 300:03d}",
            f"137{n:08d}",
        )
        for n in range(max(50, count // 20))
    ]
    bar = tqdm(total=count, unit="case", file=stdout)
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        with transaction.atomic():
            cases, paths = [], []
            for _ in range(size):
                path = rng.choices(PATHS, weights)[0][1]
                filed = now - datetime.timedelta(days=rng.uniform(1, 3 * 365))
                times = [filed]
                for _stage in path[1:]:
                    times.append(
                        min(
                            times[-1]
                            + datetime.timedelta(hours=rng.uniform(4, 24 * 9)),
                            now,
                        )
                    )
                year = timezone.localtime(filed, tz).year
                year_counters[year] = year_counters.get(year, 0) + 1
                name, stall, phone = rng.choice(respondents)
                final = path[-1] in Case.FINAL
                cases.append(
                    Case(
                        number=f"TSB-{year}-{year_counters[year]:07d}",
                        status=path[-1],
                        complainant=rng.choice(merchants),
                        contact_person="联系人",
                        contact_phone="13800000000",
                        respondent_name=name,
                        respondent_stall=stall,
                        respondent_phone=phone,
                        found_place="南通家纺城",
                        remedy_stop_selling=True,
                        compensation=Decimal(rng.randrange(5000, 50000)),
                        undertaking=True,
                        submitted_at=filed,
                        closed_at=times[-1] if final else None,
                        deadline=None
                        if final
                        else (
                            timezone.localtime(times[-1], tz).date()
                            + datetime.timedelta(days=rng.randrange(-5, 20))
                        ),
                        audit_count=len(path),
                    )
                )
                paths.append((path, times))
            Case.objects.bulk_create(cases)
            events, links = [], []
            for case, (path, times) in zip(cases, paths, strict=True):
                prev_hash, prev = "", S.DRAFT
                for seq, (stage, at) in enumerate(
                    zip(path, times, strict=True), start=1
                ):
                    event = CaseEvent(
                        case=case,
                        seq=seq,
                        from_status=prev,
                        to_status=stage,
                        actor=None,
                        note="",
                        created_at=at,
                        prev_hash=prev_hash,
                    )
                    event.hash = event.compute_hash()
                    events.append(event)
                    prev_hash, prev = event.hash, stage
                case.audit_head = prev_hash
                links.append(
                    Case.designs.through(
                        case_id=case.pk, fabricdesign_id=rng.choice(design_ids)
                    )
                )
            CaseEvent.objects.bulk_create(events)
            Case.objects.bulk_update(cases, ["audit_head"])
            Case.designs.through.objects.bulk_create(links)
            _agreements(cases, paths, rng, staff)
        made += size
        bar.update(size)
    bar.close()
    return made


def _agreements(cases, paths, rng, staff) -> None:
    agreements, settled = [], []
    for case, (path, times) in zip(cases, paths, strict=True):
        if S.SETTLED in path:
            at = times[path.index(S.SETTLED)]
            agreements.append(
                Agreement(
                    case=case,
                    facts="被投诉人销售仿冒花型产品。",
                    drafted_by=staff,
                    complainant_confirmed_at=at,
                    respondent_confirmed_at=at,
                    mediator_confirmed_at=at,
                    mediator=staff,
                    effective_at=at,
                )
            )
            settled.append((path, times))
    Agreement.objects.bulk_create(agreements)
    terms = []
    for agreement, (path, times) in zip(agreements, settled, strict=True):
        at = times[path.index(S.SETTLED)]
        done = times[-1] if path[-1] == S.CLOSED else None
        due = timezone.localtime(at).date() + datetime.timedelta(days=30)
        terms.append(
            AgreementTerm(
                agreement=agreement,
                kind=AgreementTerm.Kind.CEASE,
                due_on=due,
                performed_at=done,
            )
        )
        terms.append(
            AgreementTerm(
                agreement=agreement,
                kind=AgreementTerm.Kind.PAY,
                amount=Decimal(rng.randrange(18000, 25001)),
                due_on=due,
                performed_at=done,
            )
        )
        if rng.random() < 0.3:
            terms.append(
                AgreementTerm(
                    agreement=agreement,
                    kind=AgreementTerm.Kind.LICENCE,
                    amount=Decimal("3.00"),
                    quantity=rng.randrange(500, 5000),
                    due_on=due,
                    performed_at=done,
                )
            )
    AgreementTerm.objects.bulk_create(terms)
