from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DesignQuerySet(models.QuerySet):
    def registered(self):
        return self.filter(status=FabricDesign.Status.REGISTERED)

    def awaiting_review(self):
        return self.filter(status=FabricDesign.Status.SUBMITTED)

    def owned_by(self, user):
        return self.filter(owner=user)

    def with_primary_image(self):
        """Attach the primary image in one extra query, not one per row."""
        return self.prefetch_related(
            models.Prefetch(
                "images",
                queryset=DesignImage.objects.filter(is_primary=True),
                to_attr="primary_images",
            )
        )


class FabricDesign(models.Model):
    """A fabric pattern (花型) registered, or on its way to registration, with the center."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, awaiting review")
        RETURNED = "returned", _("Returned for changes")
        REGISTERED = "registered", _("Registered")
        REJECTED = "rejected", _("Rejected")
        REVOKED = "revoked", _("Revoked")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Category(models.TextChoices):
        BEDDING_SET = "bedding_set", _("Bedding set (四件套)")
        CURTAIN = "curtain", _("Curtain (窗帘)")
        TOWEL = "towel", _("Towel (毛巾)")
        CUSHION = "cushion", _("Cushion (抱枕)")
        FABRIC = "fabric", _("Fabric by the metre (面料)")
        TABLECLOTH = "tablecloth", _("Tablecloth (桌布)")
        OTHER = "other", _("Other")

    class Technique(models.TextChoices):
        PRINT = "print", _("Print (印花)")
        DIGITAL_PRINT = "digital_print", _("Digital print (数码印花)")
        JACQUARD = "jacquard", _("Jacquard (提花)")
        EMBROIDERY = "embroidery", _("Embroidery (刺绣)")
        YARN_DYED = "yarn_dyed", _("Yarn-dyed (色织)")
        OTHER = "other", _("Other")

    class Originality(models.TextChoices):
        ORIGINAL = "original", _("Original (原创)")
        ADAPTATION = "adaptation", _("Adaptation (改编)")

    # Who may make each move: "owner" is the merchant, "reviewer" and "revoker" are
    # staff permissions. designs/services.py enforces this table and nothing else.
    TRANSITIONS: dict[str, dict[str, str]] = {
        Status.DRAFT: {Status.SUBMITTED: "owner", Status.WITHDRAWN: "owner"},
        Status.RETURNED: {Status.SUBMITTED: "owner", Status.WITHDRAWN: "owner"},
        Status.SUBMITTED: {
            Status.REGISTERED: "reviewer",
            Status.RETURNED: "reviewer",
            Status.REJECTED: "reviewer",
            Status.WITHDRAWN: "owner",
        },
        Status.REGISTERED: {Status.REVOKED: "revoker", Status.WITHDRAWN: "owner"},
    }
    EDITABLE = {Status.DRAFT, Status.RETURNED}
    # Moves that need a written reason on the record.
    REASON_REQUIRED = {Status.RETURNED, Status.REJECTED, Status.REVOKED}

    registration_no = models.CharField(
        _("registration number"), max_length=32, unique=True, null=True, blank=True
    )
    title = models.CharField(_("work title"), max_length=200)
    description = models.TextField(
        _("description and originality"),
        blank=True,
        help_text=_("What the work shows and what is original about it (作品说明)."),
    )
    category = models.CharField(
        _("category (product use)"), max_length=20, choices=Category
    )
    technique = models.CharField(_("technique"), max_length=20, choices=Technique)
    authors = models.CharField(
        _("author(s)"),
        max_length=200,
        help_text=_("Separate several authors by commas."),
    )
    copyright_holder = models.CharField(
        _("copyright owner"),
        max_length=200,
        help_text=_("Person or company that owns the copyright (著作权人)."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="designs",
        verbose_name=_("owner"),
    )
    created_on = models.DateField(_("creation completed on"))
    published_on = models.DateField(_("first published on"), null=True, blank=True)
    originality = models.CharField(
        _("original or adaptation"),
        max_length=12,
        choices=Originality,
        default=Originality.ORIGINAL,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.DRAFT, db_index=True
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_designs",
        verbose_name=_("reviewer"),
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DesignQuerySet.as_manager()

    class Meta:
        verbose_name = _("fabric design")
        verbose_name_plural = _("fabric designs")
        ordering = ["-registered_on", "-created_at"]
        permissions = [
            ("review_design", _("Can review design registrations")),
            ("revoke_design", _("Can revoke registered designs")),
            ("approve_batch", _("Can register designs in batches")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="registered")
                | (Q(registered_on__isnull=False) & Q(registration_no__isnull=False)),
                name="design_registered_has_number_and_date",
            ),
            models.CheckConstraint(
                condition=Q(published_on__isnull=True)
                | Q(published_on__gte=models.F("created_on")),
                name="design_published_after_created",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "registered_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.registration_no or '—'} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("designs:detail", args=[self.pk])

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, {})

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.REGISTERED

    @property
    def primary_image(self) -> "DesignImage | None":
        prefetched = getattr(self, "primary_images", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return self.images.filter(is_primary=True).first()


def design_image_path(instance: "DesignImage", filename: str) -> str:
    # Content-addressed names: guessing one means knowing the image already.
    ext = filename.rsplit(".", 1)[-1].lower()
    return f"designs/{instance.sha256[:2]}/{instance.sha256}.{ext}"


class DesignImage(models.Model):
    """A sample image of a design; exactly one per design is the certificate image."""

    design = models.ForeignKey(
        FabricDesign, on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(_("image"), upload_to=design_image_path, max_length=200)
    is_primary = models.BooleanField(_("certificate image"), default=False)
    position = models.PositiveSmallIntegerField(default=0)
    sha256 = models.CharField(
        max_length=64, help_text=_("SHA-256 of the stored (EXIF-free) file.")
    )
    source_sha256 = models.CharField(
        max_length=64,
        db_index=True,
        help_text=_("SHA-256 of the file as uploaded; used to skip duplicate imports."),
    )
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("design image")
        verbose_name_plural = _("design images")
        ordering = ["design", "-is_primary", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["design"],
                condition=Q(is_primary=True),
                name="design_one_primary_image",
            )
        ]

    def __str__(self) -> str:
        return f"{self.design_id}/{self.pk}"


class DesignEvent(models.Model):
    """One row per status change of a design: its audit trail."""

    design = models.ForeignKey(
        FabricDesign, on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(max_length=12, choices=FabricDesign.Status)
    to_status = models.CharField(max_length=12, choices=FabricDesign.Status)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    note = models.TextField(blank=True)
    # A default, not auto_now_add, so imports and benchmarks can record historical times.
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, db_index=True
    )
    # When the design entered from_status, so a stage's duration (created_at minus this)
    # aggregates in SQL instead of pairing events row by row in Python.
    stage_started_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("design event")
        verbose_name_plural = _("design events")
        ordering = ["created_at", "pk"]
        # Statistics count moves of one kind per month.
        indexes = [models.Index(fields=["to_status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.design_id}: {self.from_status} → {self.to_status}"


class RegistrationCounter(models.Model):
    """The last registration number issued in a year; locked while issuing the next."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
