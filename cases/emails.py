"""Tell the people who must act next: an inbox message and an e-mail.

Called only from `transaction.on_commit`, so nobody hears of a move that rolled back.
"""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case, Notification

log = logging.getLogger("ipcenter.cases")

S = Case.Status

# Who acts next in each stage: parties by name, staff by the permission they need.
NEXT_ACTORS: dict[str, tuple[str, ...]] = {
    S.SUBMITTED: ("cases.intake_case",),
    S.RESUBMITTED: ("cases.intake_case",),
    S.NEEDS_SUPPLEMENT: ("complainant",),
    S.NOT_ACCEPTED: ("complainant",),
    S.ACCEPTED: ("complainant", "cases.examine_case"),
    S.INFRINGING: ("complainant", "cases.mediate_case"),
    S.INCONCLUSIVE: ("complainant", "cases.mediate_case"),
    S.NOT_INFRINGING: ("complainant", "cases.mediate_case"),
    S.RESPONDENT_NOTIFIED: ("respondent", "complainant"),
    S.IN_MEDIATION: ("complainant", "respondent", "cases.mediate_case"),
    S.REFUSED: ("complainant", "cases.mediate_case"),
    S.FAILED: ("complainant", "respondent", "cases.mediate_case"),
    S.SETTLED: ("complainant", "respondent", "cases.mediate_case"),
    S.REFERRED: ("complainant", "respondent"),
    S.WITHDRAWN: ("complainant", "respondent", "assignee"),
    S.CLOSED: ("complainant", "respondent"),
}


def _staff_with(perm: str) -> list[User]:
    app_label, codename = perm.split(".")
    has = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    return list(User.objects.filter(has, is_active=True).distinct())


def recipients(case: Case, who: tuple[str, ...]) -> list[User]:
    people: dict[int, User] = {}
    for name in who:
        if name == "complainant":
            people[case.complainant_id] = case.complainant
        elif name == "respondent":
            # A respondent hears of nothing the center has not told them about.
            if case.respondent_id and case.status not in Case.HIDDEN_FROM_RESPONDENT:
                people[case.respondent_id] = case.respondent
        elif name == "assignee":
            if case.assignee_id:
                people[case.assignee_id] = case.assignee
        elif case.assignee_id and case.assignee.has_perm(name):
            # An assigned case goes to its assignee, not the whole team.
            people[case.assignee_id] = case.assignee
        else:
            people.update({u.pk: u for u in _staff_with(name)})
    return list(people.values())


def _send(case: Case, users: list[User], message_for) -> None:
    """Write one inbox row and one e-mail per user, each in the site language."""
    mails = []
    link = reverse("cases:detail", args=[case.pk])
    with translation.override(settings.LANGUAGE_CODE):
        for user in users:
            text = str(message_for())
            Notification.objects.create(recipient=user, case=case, message=text[:300])
            if user.email:
                body = render_to_string(
                    "cases/email/notification.txt",
                    {"user": user, "case": case, "text": text, "link": link},
                )
                subject = f"[{case.number or case.pk}] {text}"[:150]
                mails.append((subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    if mails:
        try:
            send_mass_mail(mails, fail_silently=False)
        except OSError:  # the inbox already has it; a mail outage must not break a move
            log.exception("could not send case e-mail for %s", case.pk)


def notify_move(case_pk: int, *, from_status: str, to_status: str) -> None:
    case = Case.objects.select_related("complainant", "respondent", "assignee").get(
        pk=case_pk
    )
    users = recipients(case, NEXT_ACTORS.get(to_status, ()))

    def message():
        return _("Case %(number)s is now: %(stage)s") % {
            "number": case.number or case.pk,
            "stage": S(to_status).label,
        }

    _send(case, users, message)


def notify_assigned(case_pk: int, user_pk: int) -> None:
    case = Case.objects.get(pk=case_pk)
    user = User.objects.get(pk=user_pk)
    _send(
        case,
        [user],
        lambda: _("Case %(number)s was assigned to you.") % {"number": case.number},
    )


def notify_reminder(case_pk: int) -> None:
    case = Case.objects.select_related("complainant", "respondent", "assignee").get(
        pk=case_pk
    )
    who = NEXT_ACTORS.get(case.status, ())
    # Staff remind staff; a party is reminded only where the move is theirs.
    if case.status == S.NEEDS_SUPPLEMENT:
        who = ("complainant",)
    elif case.status == S.RESPONDENT_NOTIFIED:
        who = ("respondent", "cases.mediate_case")
    else:
        who = tuple(w for w in who if w.startswith("cases.")) or ("cases.view_case",)
    _send(
        case,
        recipients(case, who),
        lambda: _("Reminder: case %(number)s is due on %(date)s.")
        % {"number": case.number, "date": case.deadline},
    )


def notify(case_pk: int, who: tuple[str, ...], message, **params) -> None:
    """Send a lazily translated message about a step that is not a move."""
    case = Case.objects.select_related("complainant", "respondent", "assignee").get(
        pk=case_pk
    )
    _send(
        case,
        recipients(case, who),
        lambda: message % {"number": case.number or case.pk, **params},
    )
