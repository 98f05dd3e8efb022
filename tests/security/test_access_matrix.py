"""The access-control matrix: every URL that takes an object id × every kind of user.

Each row names a URL pattern, the method used, and the expected answer for
anonymous, another merchant, the owner/complainant, the respondent, and each staff role.
A new URL pattern with an id fails `test_every_object_url_is_in_the_matrix` until a row
is written for it here.

Cells: 200/403/404/405 are status codes; L = redirect to the login page; R = any other
redirect after which the data changed (the action went through); N = a redirect back with
a message and nothing changed (the service or its form refused: wrong role for this
stage, wrong stage, or a missing field). POSTs send one plausible payload that fills the
forms of all actions. Each request runs in a savepoint that is rolled back, so every cell
starts from the same state: a case in mediation with a draft agreement, a design awaiting
review, and a registered design for the certificate. Only R cells may change anything.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import roles
from cases import services as case_services
from cases.models import Case, Evidence, Notification
from dashboard.models import Watch
from designs.models import DesignEvent, FabricDesign
from tests.factories import make_case, make_design, make_staff, make_user

pytestmark = pytest.mark.django_db

USERS = [
    "anon",
    "other",
    "owner",
    "respondent",
    "intake",
    "examiner",
    "mediator",
    "admin",
]

# URL patterns with an id that are not object pages, and why they are left out.
NOT_IN_MATRIX = {
    # Django's own token view: the token, not a stored object id, is the secret.
    "accounts:password-reset-confirm",
}

# name: (method, object, "anon other owner respondent intake examiner mediator admin")
MATRIX = {
    # A design submitted for review: private to its owner and the center's staff.
    "designs:detail": ("GET", "design", "404 404 200 404 200 200 200 200"),
    "designs:certificate": ("GET", "registered", "200 200 200 200 200 200 200 200"),
    "designs:image": ("GET", "image", "404 404 200 404 200 200 200 200"),
    "designs:edit": ("GET", "design", "L 404 200 404 404 404 404 404"),
    "designs:submit": ("POST", "design", "L 404 N 404 404 404 404 404"),
    "designs:withdraw": ("POST", "design", "L 404 R 404 404 404 404 404"),
    "designs:approve": ("POST", "design", "403 403 403 403 R R 403 R"),
    "designs:return": ("POST", "design", "403 403 403 403 R R 403 R"),
    "designs:reject": ("POST", "design", "403 403 403 403 R R 403 R"),
    "designs:revoke": ("POST", "design", "403 403 403 403 403 403 403 N"),
    "dashboard:export": ("GET", "export", "L 403 403 403 200 200 200 200"),
    # Watch alerts belong to the watched design's owner alone, staff included.
    "dashboard:watch-toggle": ("POST", "registered", "L 404 R 404 404 404 404 404"),
    "dashboard:alert-image": ("GET", "alert", "L 404 200 404 404 404 404 404"),
    "cases:read": ("POST", "notification", "L 404 R 404 404 404 404 404"),
    "cases:join": ("GET", "token", "200 200 200 200 200 200 200 200"),
    # The respondent sees the evidence and the agreement, not the complainant's phone.
    "cases:evidence": ("GET", "evidence", "L 404 200 200 200 200 200 200"),
    "cases:detail": ("GET", "case", "L 404 200 200 200 200 200 200"),
    "cases:edit": ("GET", "case", "L 404 404 404 404 404 404 404"),
    "cases:submit": ("POST", "case", "L 404 N N N N N N"),
    "cases:add-evidence": ("POST", "case", "L 404 N N N N N N"),
    "cases:resubmit": ("POST", "case", "L 404 N N N N N N"),
    "cases:withdraw": ("POST", "case", "L 404 R 403 403 403 403 403"),
    "cases:accept": ("POST", "case", "403 403 403 403 N N N N"),
    "cases:request-supplement": ("POST", "case", "403 403 403 403 N N N N"),
    "cases:refuse": ("POST", "case", "403 403 403 403 N N N N"),
    "cases:start-comparison": ("POST", "case", "403 403 403 403 N N N N"),
    "cases:determine": ("POST", "case", "403 403 403 403 N N N N"),
    # Any staff role may (re)link the respondent at any stage; see docs/security.md.
    "cases:link-respondent": ("POST", "case", "403 403 403 403 R R R R"),
    "cases:invite-respondent": ("POST", "case", "403 403 403 403 N N N N"),
    "cases:notify-respondent": ("POST", "case", "403 403 403 403 N N N N"),
    "cases:statement": ("POST", "case", "L 404 N N N N N N"),
    "cases:record-statement": ("POST", "case", "403 403 403 403 N N N N"),
    "cases:add-session": ("POST", "case", "403 403 403 403 403 403 R R"),
    "cases:save-agreement": ("POST", "case", "403 403 403 403 403 403 R R"),
    "cases:confirm-agreement": ("POST", "case", "L 404 R R 403 403 R R"),
    "cases:agreement-print": ("GET", "case", "L 404 200 200 200 200 200 200"),
    "cases:record-performance": ("POST", "term", "403 403 403 403 N N N N"),
    "cases:fail-mediation": ("POST", "case", "403 403 403 403 403 403 R R"),
    "cases:refer": ("POST", "case", "403 403 403 403 N N N N"),
    "cases:close": ("POST", "case", "403 403 403 403 N N N N"),
    "cases:assign": ("POST", "case", "403 403 403 403 R R R R"),
    "cases:extend-deadline": ("POST", "case", "403 403 403 403 403 403 403 R"),
}


def _object_url_names() -> set[str]:
    names = set()

    def walk(resolver, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if p.app_name == "admin":
                    continue  # Django's admin: is_staff only, its own permission checks
                walk(p, ns)
            elif isinstance(p, URLPattern) and p.pattern.converters and p.name:
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver(), None)
    return names


def test_every_object_url_is_in_the_matrix():
    assert _object_url_names() - NOT_IN_MATRIX == set(MATRIX)


@dataclass
class World:
    users: dict
    design: FabricDesign
    case: Case
    urls: dict


def _world() -> World:
    owner = make_user(username="owner")
    respondent = make_user(username="respondent", shop_name="仿冒家纺店")
    users = {
        "anon": None,
        "other": make_user(username="other"),
        "owner": owner,
        "respondent": respondent,
        "intake": make_staff(roles.INTAKE, username="intake"),
        "examiner": make_staff(roles.EXAMINER, username="examiner"),
        "mediator": make_staff(roles.MEDIATOR, username="mediator"),
        "admin": make_staff(roles.ADMINISTRATOR, username="admin"),
    }
    design = make_design(owner=owner, status=FabricDesign.Status.SUBMITTED)
    registered = make_design(owner=owner, status=FabricDesign.Status.REGISTERED)
    case = make_case(
        status=Case.Status.IN_MEDIATION,
        complainant=owner,
        respondent=respondent,
    )
    mediator = users["mediator"]
    due = datetime.date.today() + datetime.timedelta(days=30)
    case_services.save_agreement(
        case,
        by=mediator,
        facts="被投诉人销售仿冒四件套。",
        terms=[{"kind": "pay", "amount": 20000, "due_on": due}],
    )
    case.refresh_from_db()
    term = case.agreement.terms.get()
    notification = Notification.objects.filter(recipient=owner).first() or (
        Notification.objects.create(recipient=owner, case=case, message="x")
    )
    from dashboard.models import Watch, WatchAlert

    watch = Watch.objects.create(owner=owner, design=registered)
    alert = WatchAlert.objects.create(
        watch=watch, kind="evidence", evidence=case.evidence.first(), score=0.9
    )
    urls = {
        "alert": lambda name: reverse(name, args=[alert.pk]),
        "design": lambda name: reverse(name, args=[design.pk]),
        "registered": lambda name: reverse(name, args=[registered.pk]),
        "image": lambda name: reverse(name, args=[design.images.get().pk]),
        "export": lambda name: reverse(name, args=["registrations"]),
        "notification": lambda name: reverse(name, args=[notification.pk]),
        "token": lambda name: reverse(name, args=["not-a-real-invitation"]),
        "evidence": lambda name: reverse(name, args=[case.evidence.first().pk]),
        "case": lambda name: reverse(name, args=[case.pk]),
        "term": lambda name: reverse(name, args=[case.pk, term.pk]),
    }
    return World(users, design, case, urls)


def _snapshot(world: World) -> tuple:
    case = Case.objects.get(pk=world.case.pk)
    design = FabricDesign.objects.get(pk=world.design.pk)
    agreement = case.agreement
    return (
        agreement.complainant_confirmed_at,
        agreement.respondent_confirmed_at,
        agreement.mediator_confirmed_at,
        agreement.facts,
        tuple(agreement.terms.values_list("performed_at", flat=True)),
        Notification.objects.filter(read_at__isnull=True).count(),
        case.status,
        case.version,
        case.respondent_id,
        case.assignee_id,
        case.deadline,
        case.sessions.count(),
        case.events.count(),
        Evidence.objects.count(),
        design.status,
        DesignEvent.objects.count(),
        Watch.objects.count(),
    )


def _cell(response, changed: bool) -> str:
    if response.status_code == 302:
        if "/accounts/login/" in response["Location"]:
            return "L"
        return "R" if changed else "N"
    return str(response.status_code)


DUE = (datetime.date.today() + datetime.timedelta(days=40)).isoformat()
PAYLOAD = {
    "note": "备注",
    "reason": "理由",
    "outcome": "infringing",
    "opinion": "实质性相似",
    "account": "respondent",
    "statement": "愿意调解",
    "accepts_mediation": "yes",
    "held_at": "2026-01-05T10:00",
    "place": "调解室",
    "attendees": "双方",
    "notes": "记录",
    "facts": "被投诉人销售仿冒四件套。",
    "terms-TOTAL_FORMS": "1",
    "terms-INITIAL_FORMS": "0",
    "terms-0-kind": "pay",
    "terms-0-amount": "100",
    "terms-0-due_on": DUE,
    "me": "1",
    "until": DUE,
    "target": "court",
    "recipient": "通州区人民法院",
}


def test_access_matrix():
    world = _world()
    clients = {}
    for who, user in world.users.items():
        clients[who] = Client()
        if user is not None:
            clients[who].force_login(user)
    got, wrong = {}, []
    for name, (method, obj, expected_row) in MATRIX.items():
        url = world.urls[obj](name)
        expected = dict(zip(USERS, expected_row.split(), strict=True))
        cells = []
        for who in USERS:
            with transaction.atomic():
                before = _snapshot(world)
                client = clients[who]
                if method == "POST":
                    response = client.post(url, PAYLOAD)
                else:
                    response = client.get(url)
                changed = _snapshot(world) != before
                cell = _cell(response, changed)
                transaction.set_rollback(True)
            cells.append(cell)
            if cell != expected[who]:
                wrong.append(f"{name} as {who}: expected {expected[who]}, got {cell}")
            if changed and cell != "R":
                wrong.append(f"{name} as {who}: refused ({cell}) but changed the data")
        got[name] = " ".join(cells)
    assert not wrong, (
        "\n".join(wrong)
        + "\n\nactual matrix:\n"
        + "\n".join(f'    "{n}": "{row}",' for n, row in got.items())
    )
