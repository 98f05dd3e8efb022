"""Recognise the same respondent across cases (重复侵权): by account, stall or phone.

Cases name respondents loosely ("B区2-18", "b2－18号", "+86 139 0000 1111"), so each
identifying value is normalised first; cases sharing any normalised key belong to the
same respondent (union-find). Only cases with a determination of infringement count.
"""

import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache

from cases.models import Case, CaseEvent

_DASHES = str.maketrans({c: "-" for c in "－—–‐‑‒−_"})
_STALL_NOISE = ("摊位", "区", "号", "#", "NO.", " ")


def normalise_phone(raw: str) -> str:
    """Return the significant digits: 11-digit mobiles without +86; '' if too short."""
    digits = "".join(
        ch for ch in unicodedata.normalize("NFKC", raw or "") if ch.isdigit()
    )
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) >= 7 else ""


def normalise_stall(raw: str) -> str:
    """Return a stall key: full-width folded, upper case, without 区/号/spaces."""
    text = unicodedata.normalize("NFKC", raw or "").upper().translate(_DASHES)
    for noise in _STALL_NOISE:
        text = text.replace(noise, "")
    return text.strip("-")


def keys_of(
    *, respondent_id: int | None, stall: str, phone: str
) -> list[tuple[str, str]]:
    keys = []
    if respondent_id:
        keys.append(("account", str(respondent_id)))
    if stall_key := normalise_stall(stall):
        keys.append(("stall", stall_key))
    if phone_key := normalise_phone(phone):
        keys.append(("phone", phone_key))
    return keys


@dataclass
class RespondentGroup:
    case_ids: list[int] = field(default_factory=list)
    names: Counter = field(default_factory=Counter)
    stalls: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    accounts: set[int] = field(default_factory=set)

    @property
    def label(self) -> str:
        return self.names.most_common(1)[0][0] if self.names else "—"

    @property
    def determinations(self) -> int:
        return len(self.case_ids)


def _infringing_rows():
    infringing = CaseEvent.objects.filter(to_status=Case.Status.INFRINGING).values(
        "case"
    )
    return Case.objects.filter(pk__in=infringing).values_list(
        "pk", "respondent_id", "respondent_stall", "respondent_phone", "respondent_name"
    )


def identities() -> tuple[dict[tuple[str, str], int], dict[int, RespondentGroup]]:
    """Return (key → group id, group id → group) over cases determined infringing.

    Cached until the next determination of infringement, since the register and every
    case page ask for it and it changes only when a determination is made.
    """
    last = (
        CaseEvent.objects.filter(to_status=Case.Status.INFRINGING)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    cache_key = f"cases:respondent-identities:{last}"
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    rows = list(_infringing_rows())
    case_keys = {}
    for pk, account, stall, phone, _name in rows:
        keys = keys_of(respondent_id=account, stall=stall, phone=phone) or [
            ("case", str(pk))
        ]
        case_keys[pk] = keys
        for k in keys:
            parent.setdefault(k, k)
        for k in keys[1:]:
            parent[find(k)] = find(keys[0])
    roots: dict[tuple[str, str], int] = {}
    groups: dict[int, RespondentGroup] = {}
    key_to_group: dict[tuple[str, str], int] = {}
    for pk, account, stall, phone, name in rows:
        root = find(case_keys[pk][0])
        gid = roots.setdefault(root, len(roots))
        group = groups.setdefault(gid, RespondentGroup())
        group.case_ids.append(pk)
        if name:
            group.names[name] += 1
        if stall:
            group.stalls.add(stall)
        if phone:
            group.phones.add(phone)
        if account:
            group.accounts.add(account)
    for k in parent:
        key_to_group[k] = roots[find(k)]
    result = (key_to_group, groups)
    cache.set(cache_key, result, 3600)
    return result


def repeat_respondents(minimum: int = 2) -> list[RespondentGroup]:
    """Respondents with at least `minimum` determinations of infringement, most first."""
    _keys, groups = identities()
    found = [g for g in groups.values() if g.determinations >= minimum]
    return sorted(found, key=lambda g: (-g.determinations, g.label))


def prior_infringements(case: Case) -> int:
    """Count determinations of infringement against this case's respondent in other cases."""
    key_to_group, groups = identities()
    keys = keys_of(
        respondent_id=case.respondent_id,
        stall=case.respondent_stall,
        phone=case.respondent_phone,
    )
    group_ids = {key_to_group[k] for k in keys if k in key_to_group}
    case_ids = {pk for gid in group_ids for pk in groups[gid].case_ids}
    case_ids.discard(case.pk)
    return len(case_ids)


def groups_by_case() -> dict[int, int]:
    """Return case id → group id for the infringing cases (for the register's table)."""
    _keys, groups = identities()
    return {pk: gid for gid, g in groups.items() for pk in g.case_ids}
