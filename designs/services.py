"""Rules for writing designs: creation with images, the registration workflow, numbers."""

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_staff_member
from designs.counters import next_in_year
from designs.filestore import atomic_with_files, delete_files, track_written
from designs.images import CleanImage
from designs.models import DesignEvent, DesignImage, FabricDesign, RegistrationCounter

MAX_IMAGES = 10

Status = FabricDesign.Status


class DesignError(Exception):
    """A design write broke a rule; the message is for the user."""


class TransitionNotAllowed(DesignError):
    pass


class NotPermitted(DesignError):
    pass


DESIGN_FIELDS = (
    "title",
    "description",
    "category",
    "technique",
    "authors",
    "copyright_holder",
    "created_on",
    "published_on",
    "originality",
)


def _store_images(
    design: FabricDesign, images: Sequence[CleanImage], *, primary_index: int | None
) -> list[DesignImage]:
    """Save image files and rows; the caller runs under atomic_with_files."""
    start = design.images.count()
    rows = []
    for offset, clean in enumerate(images):
        row = DesignImage(
            design=design,
            is_primary=(offset == primary_index),
            position=start + offset,
            sha256=clean.sha256,
            source_sha256=clean.source_sha256,
            width=clean.width,
            height=clean.height,
        )
        row.image.save(clean.as_file().name, clean.as_file(), save=False)
        track_written(row.image.name)
        row.save()
        rows.append(row)
    return rows


@atomic_with_files
def create_design(
    *, owner, images: Sequence[CleanImage], primary_index: int = 0, **fields
) -> FabricDesign:
    """Create a draft design with its images (1 to 10); all or nothing."""
    if not images:
        raise DesignError(_("Add at least one image of the design."))
    if len(images) > MAX_IMAGES:
        raise DesignError(
            _("A design can have at most %(n)d images.") % {"n": MAX_IMAGES}
        )
    if not 0 <= primary_index < len(images):
        primary_index = 0
    data = {key: fields[key] for key in DESIGN_FIELDS if key in fields}
    if not data.get("copyright_holder"):
        data["copyright_holder"] = owner.display_name
    design = FabricDesign.objects.create(owner=owner, **data)
    _store_images(design, images, primary_index=primary_index)
    return design


@atomic_with_files
def update_design(
    design: FabricDesign,
    *,
    by,
    images: Sequence[CleanImage] = (),
    primary_image_id: int | None = None,
    remove_image_ids: Sequence[int] = (),
    **fields,
) -> FabricDesign:
    """Edit a draft or returned design, adding or removing images."""
    design = FabricDesign.objects.select_for_update().get(pk=design.pk)
    if design.owner_id != by.pk:
        raise NotPermitted(_("Only the owner can edit this design."))
    if not design.is_editable:
        raise DesignError(_("Only drafts and returned designs can be edited."))
    for key in DESIGN_FIELDS:
        if key in fields:
            setattr(design, key, fields[key])
    design.save()
    removed = list(design.images.filter(pk__in=remove_image_ids))
    remaining = design.images.count() - len(removed) + len(images)
    if remaining < 1:
        raise DesignError(_("A design needs at least one image."))
    if remaining > MAX_IMAGES:
        raise DesignError(
            _("A design can have at most %(n)d images.") % {"n": MAX_IMAGES}
        )
    removed_names = [row.image.name for row in removed]
    for row in removed:
        row.delete()
    # Files of removed images go only once the removal is committed.
    transaction.on_commit(lambda: delete_files(removed_names))
    _store_images(design, images, primary_index=None)
    if (
        primary_image_id is not None
        and design.images.filter(pk=primary_image_id).exists()
    ):
        design.images.update(is_primary=False)
        design.images.filter(pk=primary_image_id).update(is_primary=True)
    if not design.images.filter(is_primary=True).exists():
        first = design.images.order_by("position", "pk").first()
        first.is_primary = True
        first.save(update_fields=["is_primary"])
    return design


def _check_actor(design: FabricDesign, to: str, by) -> None:
    who = design.TRANSITIONS.get(design.status, {}).get(to)
    if who is None:
        raise TransitionNotAllowed(
            _("A design that is “%(from)s” cannot become “%(to)s”.")
            % {"from": design.get_status_display(), "to": Status(to).label}
        )
    if who == "owner" and design.owner_id != by.pk:
        raise NotPermitted(_("Only the design's owner can do this."))
    if who == "reviewer" and not by.has_perm("designs.review_design"):
        raise NotPermitted(_("Only registration reviewers can do this."))
    if who == "revoker" and not by.has_perm("designs.revoke_design"):
        raise NotPermitted(
            _("Only the center administrator can revoke a registration.")
        )


def _move(design: FabricDesign, to: str, *, by, note: str = "") -> None:
    _check_actor(design, to, by)
    if to in FabricDesign.REASON_REQUIRED and not note.strip():
        raise DesignError(_("Give a reason for this decision."))
    stage_started = (
        design.events.order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
        or design.created_at
    )
    DesignEvent.objects.create(
        design=design,
        from_status=design.status,
        to_status=to,
        actor=by,
        note=note,
        stage_started_at=stage_started,
    )
    design.status = to


def _locked(design: FabricDesign) -> FabricDesign:
    return FabricDesign.objects.select_for_update().get(pk=design.pk)


@transaction.atomic
def submit_design(design: FabricDesign, *, by) -> FabricDesign:
    """Send a draft (or a returned design) to the center for review."""
    design = _locked(design)
    if not design.images.exists():
        raise DesignError(_("Add at least one image before submitting."))
    _move(design, Status.SUBMITTED, by=by)
    design.submitted_at = timezone.now()
    design.save(update_fields=["status", "submitted_at", "updated_at"])
    return design


def next_registration_no(year: int) -> str:
    """Issue the next registration number of the year; call inside a transaction."""
    number = next_in_year(RegistrationCounter, year)
    return f"{settings.REGISTRATION_PREFIX}-{year}-{number:06d}"


@transaction.atomic
def register_design(
    design: FabricDesign, *, by, note: str = "", on: datetime.date | None = None
) -> FabricDesign:
    """Approve a submitted design: issue its registration number and date."""
    design = _locked(design)
    _move(design, Status.REGISTERED, by=by, note=note)
    _issue_number(design, on=on)
    design.reviewer = by
    design.decision_reason = note
    design.save()
    return design


def _issue_number(design: FabricDesign, *, on: datetime.date | None) -> None:
    on = on or timezone.localdate()
    design.registered_on = on
    design.registration_no = next_registration_no(on.year)


@transaction.atomic
def return_design(design: FabricDesign, *, by, reason: str) -> FabricDesign:
    """Send a submitted design back to its owner for changes."""
    return _decide(design, Status.RETURNED, by=by, reason=reason)


@transaction.atomic
def reject_design(design: FabricDesign, *, by, reason: str) -> FabricDesign:
    """Refuse registration of a submitted design."""
    return _decide(design, Status.REJECTED, by=by, reason=reason)


@transaction.atomic
def revoke_design(design: FabricDesign, *, by, reason: str) -> FabricDesign:
    """Revoke a registration, e.g. when it is found to be a copy."""
    return _decide(design, Status.REVOKED, by=by, reason=reason)


def _decide(design: FabricDesign, to: str, *, by, reason: str) -> FabricDesign:
    design = _locked(design)
    _move(design, to, by=by, note=reason)
    design.reviewer = by
    design.decision_reason = reason
    design.save(update_fields=["status", "reviewer", "decision_reason", "updated_at"])
    return design


@transaction.atomic
def withdraw_design(design: FabricDesign, *, by, note: str = "") -> FabricDesign:
    """Withdraw a design at its owner's request."""
    design = _locked(design)
    _move(design, Status.WITHDRAWN, by=by, note=note)
    design.save(update_fields=["status", "updated_at"])
    return design


@atomic_with_files
def import_registered_design(
    *,
    owner,
    actor,
    image: CleanImage,
    registered_on: datetime.date | None = None,
    **fields,
) -> FabricDesign:
    """Record an archived registration directly as registered (the center's own import)."""
    if not is_staff_member(actor) and not actor.is_superuser:
        raise NotPermitted(_("Only center staff can import registrations."))
    design = create_design(owner=owner, images=[image], **fields)
    DesignEvent.objects.create(
        design=design,
        from_status=Status.DRAFT,
        to_status=Status.REGISTERED,
        actor=actor,
        note=_("Imported from the archive."),
        stage_started_at=design.created_at,
    )
    design.status = Status.REGISTERED
    design.reviewer = actor
    design.submitted_at = timezone.now()
    _issue_number(design, on=registered_on)
    design.save()
    return design


def visible_to(user, design: FabricDesign) -> bool:
    """Return whether the user may see the design at all (public, owner or staff)."""
    if design.is_public:
        return True
    if not user.is_authenticated:
        return False
    return design.owner_id == user.pk or is_staff_member(user)


@atomic_with_files
def create_batch(
    *, owner, images: Sequence[CleanImage], **fields
) -> list[FabricDesign]:
    """Create one draft per image of a collection, titled by file name; all or nothing."""
    designs = []
    for clean in images:
        title = clean.name.rsplit(".", 1)[0][:200] or _("Untitled")
        designs.append(
            create_design(owner=owner, images=[clean], title=title, **fields)
        )
    return designs


@transaction.atomic
def register_designs(
    designs: Sequence[FabricDesign], *, by, note: str = ""
) -> list[FabricDesign]:
    """Register several submitted designs at once: all of them, or none."""
    if not designs:
        raise DesignError(_("Select at least one design."))
    # Lock in primary-key order so two batches cannot deadlock on each other.
    done = []
    for design in sorted(designs, key=lambda d: d.pk):
        try:
            done.append(register_design(design, by=by, note=note))
        except DesignError as e:
            raise type(e)(
                _("%(title)s: %(error)s") % {"title": design.title, "error": e}
            ) from e
    return done
