"""Watch alerts: tell owners when a look-alike of a watched design turns up elsewhere.

Two streams are scanned, each from where the last scan stopped (ScanCursor), so the
`check_watches` command can run from cron every few minutes and never alert twice:
- registrations approved by staff (never drafts: a merchant must not see another
  merchant's unregistered design), matched by the image search;
- complaints filed or resubmitted, whose frozen match report names registered designs
  matching each evidence photo; the owner is alerted unless they are a party.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent, Evidence
from dashboard import prior_art
from dashboard.models import ScanCursor, Watch, WatchAlert
from designs.models import DesignEvent, FabricDesign

log = logging.getLogger("ipcenter.watch")


class WatchError(Exception):
    pass


@transaction.atomic
def watch_design(design: FabricDesign, *, by) -> Watch:
    """Start watching one of the merchant's own registered designs."""
    if design.owner_id != by.pk:
        raise WatchError(_("You can watch only your own designs."))
    if design.status != FabricDesign.Status.REGISTERED:
        raise WatchError(_("Only registered designs can be watched."))
    watch, _created = Watch.objects.get_or_create(design=design, defaults={"owner": by})
    return watch


@transaction.atomic
def unwatch_design(design: FabricDesign, *, by) -> None:
    Watch.objects.filter(design=design, owner=by).delete()


def _advance(name: str, stream) -> list:
    """Return the new rows of a stream (ids above the cursor) and move the cursor."""
    cursor, _created = ScanCursor.objects.select_for_update().get_or_create(name=name)
    rows = list(stream.filter(pk__gt=cursor.last_id).order_by("pk")[:1000])
    if rows:
        cursor.last_id = rows[-1].pk
        cursor.save(update_fields=["last_id"])
    return rows


@transaction.atomic
def scan_registrations() -> list[WatchAlert]:
    """Alert owners of watched designs that a newly registered design looks like."""
    events = _advance(
        "registrations",
        DesignEvent.objects.filter(
            to_status=FabricDesign.Status.REGISTERED
        ).select_related("design"),
    )
    alerts = []
    for event in events:
        new = event.design
        if new.status != FabricDesign.Status.REGISTERED:
            continue
        try:
            hits = prior_art.similar_registered(new, top=5)
        except prior_art.SearchUnavailable:
            # Leave the cursor before this event so the next run tries it again.
            ScanCursor.objects.filter(name="registrations").update(last_id=event.pk - 1)
            break
        for hit in hits:
            watch = (
                Watch.objects.filter(design_id=hit.design_id)
                .exclude(owner_id=new.owner_id)
                .first()
            )
            if watch is None:
                continue
            alert, created = WatchAlert.objects.get_or_create(
                watch=watch,
                matched_design=new,
                defaults={
                    "kind": WatchAlert.Kind.REGISTRATION,
                    "score": hit.percent / 100,
                    "alteration": hit.alteration or "",
                },
            )
            if created:
                alerts.append(alert)
    _notify(alerts)
    return alerts


@transaction.atomic
def scan_evidence() -> list[WatchAlert]:
    """Alert owners of watched designs that evidence in someone else's complaint matches."""
    events = _advance(
        "evidence",
        CaseEvent.objects.filter(
            to_status__in=[Case.Status.SUBMITTED, Case.Status.RESUBMITTED]
        ).select_related("case"),
    )
    alerts = []
    for event in events:
        case = event.case
        parties = {case.complainant_id, case.respondent_id}
        for photo in (case.match_report or {}).get("photos", []):
            evidence = Evidence.objects.filter(
                pk=photo.get("evidence_id"), case=case
            ).first()
            if evidence is None:
                continue
            for candidate in photo.get("candidates", []):
                if not candidate.get("is_match"):
                    continue
                watch = (
                    Watch.objects.filter(design_id=candidate.get("design_id"))
                    .exclude(owner_id__in=[p for p in parties if p])
                    .first()
                )
                if watch is None:
                    continue
                alert, created = WatchAlert.objects.get_or_create(
                    watch=watch,
                    evidence=evidence,
                    defaults={
                        "kind": WatchAlert.Kind.EVIDENCE,
                        "score": candidate.get("score", 0),
                        "alteration": candidate.get("alteration") or "",
                    },
                )
                if created:
                    alerts.append(alert)
    _notify(alerts)
    return alerts


def _notify(alerts: list[WatchAlert]) -> None:
    ids = [a.pk for a in alerts]
    if ids:
        transaction.on_commit(lambda: send_alert_emails(ids), robust=True)


def send_alert_emails(alert_ids: list[int]) -> None:
    for alert in WatchAlert.objects.filter(pk__in=alert_ids).select_related(
        "watch__owner", "watch__design"
    ):
        owner = alert.watch.owner
        if not owner.email:
            continue
        send_mail(
            _("A design like “%(title)s” has appeared")
            % {"title": alert.watch.design.title},
            _(
                "%(kind)s matches your registered design %(no)s (%(score)d%% similar). See %(url)s"
            )
            % {
                "kind": alert.get_kind_display(),
                "no": alert.watch.design.registration_no,
                "score": round(alert.score * 100),
                "url": reverse("dashboard:watch"),
            },
            settings.DEFAULT_FROM_EMAIL,
            [owner.email],
            fail_silently=True,
        )
