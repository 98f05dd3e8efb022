"""Complaints (投诉) and their path through the rapid mediation workflow.

The whole workflow is the `Case.TRANSITIONS` table; cases/services.py enforces it and
writes one hash-chained `CaseEvent` per move.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Upper bounds that catch typos ("absurd" amounts) without second-guessing real claims:
# statutory damages go up to ¥5,000,000 (Copyright Law art. 54).
MAX_AMOUNT = 5_000_000
MAX_LICENCE_FEE = 10_000
MAX_QUANTITY = 10_000_000


class Role(models.TextChoices):
    """Who may make a move; services.py maps each to a check on the acting user."""

    COMPLAINANT = "complainant", _("Complainant")
    RESPONDENT = "respondent", _("Respondent")
    INTAKE = "intake", _("Intake officer")
    EXAMINER = "examiner", _("Comparison examiner")
    MEDIATOR = "mediator", _("Mediator")
    SYSTEM = "system", _("System")


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=Case.FINAL).exclude(status=Case.Status.DRAFT)

    def filed_by(self, user):
        return self.filter(complainant=user)

    def against(self, user):
        return self.filter(respondent=user).exclude(
            status__in=Case.HIDDEN_FROM_RESPONDENT
        )

    def overdue(self, today: datetime.date):
        return self.open().filter(deadline__lt=today)


class Case(models.Model):
    """A complaint and the case it becomes."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", pgettext_lazy("case stage", "Submitted")
        NEEDS_SUPPLEMENT = "needs_supplement", _("Needs supplement (补正)")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        NOT_ACCEPTED = "not_accepted", _("Not accepted (不予受理)")
        ACCEPTED = "accepted", _("Accepted (受理)")
        IN_COMPARISON = "in_comparison", _("In comparison (比对)")
        INFRINGING = "infringing", _("Determined infringing")
        NOT_INFRINGING = "not_infringing", _("Determined not infringing")
        INCONCLUSIVE = "inconclusive", _("Determination inconclusive")
        RESPONDENT_NOTIFIED = "respondent_notified", _("Respondent notified")
        REFUSED = "refused", _("Mediation refused")
        IN_MEDIATION = "in_mediation", _("In mediation (调解)")
        SETTLED = "settled", _("Settled, performance tracked (履行)")
        FAILED = "failed", _("Mediation failed")
        REFERRED = "referred", _("Referred (移交)")
        WITHDRAWN = "withdrawn", _("Withdrawn (撤回)")
        CLOSED = "closed", _("Closed (结案)")

    S = Status
    # Before settlement the complainant may always withdraw.
    _withdraw = {S.WITHDRAWN: {Role.COMPLAINANT}}
    _intake = {
        S.ACCEPTED: {Role.INTAKE},
        S.NEEDS_SUPPLEMENT: {Role.INTAKE},
        S.NOT_ACCEPTED: {Role.INTAKE},
    }
    # The whole workflow in one place: from → {to → roles allowed to make the move}.
    TRANSITIONS: dict[str, dict[str, set[str]]] = {
        S.DRAFT: {S.SUBMITTED: {Role.COMPLAINANT}, **_withdraw},
        S.SUBMITTED: {**_intake, **_withdraw},
        # A complainant who lets the supplement period run out has withdrawn.
        S.NEEDS_SUPPLEMENT: {
            S.RESUBMITTED: {Role.COMPLAINANT},
            S.WITHDRAWN: {Role.COMPLAINANT, Role.SYSTEM},
        },
        S.RESUBMITTED: {**_intake, **_withdraw},
        S.ACCEPTED: {S.IN_COMPARISON: {Role.EXAMINER}, **_withdraw},
        S.IN_COMPARISON: {
            S.INFRINGING: {Role.EXAMINER},
            S.NOT_INFRINGING: {Role.EXAMINER},
            S.INCONCLUSIVE: {Role.EXAMINER},
            **_withdraw,
        },
        S.INFRINGING: {
            S.RESPONDENT_NOTIFIED: {Role.MEDIATOR, Role.INTAKE},
            **_withdraw,
        },
        # Inconclusive: the parties may still mediate, or the center closes its file.
        S.INCONCLUSIVE: {
            S.RESPONDENT_NOTIFIED: {Role.MEDIATOR, Role.INTAKE},
            S.CLOSED: {Role.EXAMINER, Role.MEDIATOR},
            **_withdraw,
        },
        S.NOT_INFRINGING: {S.CLOSED: {Role.EXAMINER, Role.MEDIATOR, Role.INTAKE}},
        # A mediator records the answer of a respondent who replied on paper.
        S.RESPONDENT_NOTIFIED: {
            S.IN_MEDIATION: {Role.RESPONDENT, Role.MEDIATOR},
            S.REFUSED: {Role.RESPONDENT, Role.MEDIATOR},
            **_withdraw,
        },
        S.IN_MEDIATION: {
            # Settlement happens only when the agreement has all three confirmations.
            S.SETTLED: {Role.SYSTEM},
            S.FAILED: {Role.MEDIATOR},
            **_withdraw,
        },
        S.REFUSED: {S.REFERRED: {Role.MEDIATOR, Role.INTAKE}, **_withdraw},
        S.FAILED: {S.REFERRED: {Role.MEDIATOR, Role.INTAKE}, **_withdraw},
        # A settled case closes once every term is performed, or goes to enforcement.
        S.SETTLED: {S.CLOSED: {Role.MEDIATOR}, S.REFERRED: {Role.MEDIATOR}},
    }
    del _withdraw, _intake
    FINAL = {S.NOT_ACCEPTED, S.REFERRED, S.WITHDRAWN, S.CLOSED}
    # Moves that need a written reason on the record.
    REASON_REQUIRED = {
        S.NEEDS_SUPPLEMENT,
        S.NOT_ACCEPTED,
        S.INFRINGING,
        S.NOT_INFRINGING,
        S.INCONCLUSIVE,
        S.FAILED,
        S.REFERRED,
    }
    DETERMINATIONS = {S.INFRINGING, S.NOT_INFRINGING, S.INCONCLUSIVE}
    # A respondent learns of a complaint only when the center notifies them.
    HIDDEN_FROM_RESPONDENT = {
        S.DRAFT,
        S.SUBMITTED,
        S.NEEDS_SUPPLEMENT,
        S.RESUBMITTED,
        S.NOT_ACCEPTED,
        S.ACCEPTED,
        S.IN_COMPARISON,
        S.INFRINGING,
        S.NOT_INFRINGING,
        S.INCONCLUSIVE,
    }

    number = models.CharField(
        _("complaint number"), max_length=20, unique=True, null=True, blank=True
    )
    status = models.CharField(
        _("stage"), max_length=20, choices=Status, default=Status.DRAFT, db_index=True
    )
    # Bumped on every move; a form carries the version it was drawn from, so a
    # second click on a stale page is told the case changed instead of acting twice.
    version = models.PositiveIntegerField(default=0)

    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("complainant"),
    )
    contact_person = models.CharField(_("contact person"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    address = models.CharField(_("address"), max_length=200, blank=True)
    id_number = models.CharField(
        _("ID or credit code"),
        max_length=30,
        blank=True,
        help_text=_("ID card number or unified social credit code of the complainant."),
    )
    designs = models.ManyToManyField(
        "designs.FabricDesign",
        related_name="cases",
        verbose_name=_("registered designs relied on"),
        blank=True,
    )

    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_against",
        verbose_name=_("respondent account"),
    )
    respondent_name = models.CharField(
        _("respondent shop or merchant"), max_length=100, blank=True
    )
    respondent_stall = models.CharField(
        _("respondent stall number"), max_length=30, blank=True, db_index=True
    )
    respondent_phone = models.CharField(
        _("respondent phone"), max_length=20, blank=True
    )
    respondent_online_shop = models.CharField(
        _("online shop name"), max_length=100, blank=True
    )
    respondent_link = models.URLField(_("online shop or listing link"), blank=True)
    invite_token = models.CharField(max_length=40, blank=True, db_index=True)

    found_place = models.CharField(_("where the copy was found"), max_length=200)
    found_on = models.DateField(_("when the copy was found"), null=True, blank=True)
    description = models.TextField(_("what happened"), blank=True)

    remedy_stop_selling = models.BooleanField(
        _("stop selling (停止销售)"), default=False
    )
    remedy_delist = models.BooleanField(_("take listings down (下架)"), default=False)
    remedy_destroy = models.BooleanField(_("destroy stock (销毁库存)"), default=False)
    destroy_quantity = models.PositiveIntegerField(
        _("pieces to destroy"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_QUANTITY)],
    )
    compensation = models.DecimalField(
        _("compensation sought (¥)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)],
    )
    licence_fee = models.DecimalField(
        _("licence fee sought per item (¥)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_LICENCE_FEE)],
    )
    undertaking = models.BooleanField(
        _("I undertake to bear liability for a false complaint"), default=False
    )

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    determination_opinion = models.TextField(_("written opinion"), blank=True)
    determined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    respondent_statement = models.TextField(_("respondent's statement"), blank=True)
    statement_at = models.DateTimeField(null=True, blank=True)

    # Frozen at submission: what the image search said about each evidence photo.
    match_report = models.JSONField(_("match report"), default=dict, blank=True)

    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    # True when the deadline was counted Monday–Friday for lack of an official calendar.
    deadline_estimated = models.BooleanField(default=False)
    overdue = models.BooleanField(default=False)
    reminded_on = models.DateField(null=True, blank=True)

    audit_head = models.CharField(max_length=64, blank=True)
    audit_count = models.PositiveIntegerField(default=0)

    submitted_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        permissions = [
            ("intake_case", _("Can accept or refuse complaints")),
            ("examine_case", _("Can compare and determine infringement")),
            ("mediate_case", _("Can mediate cases")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False),
                name="case_filed_has_number",
            ),
        ]
        # The statistics count filings and closures per month over 100k+ cases.
        indexes = [
            models.Index(fields=["status", "closed_at"]),
            models.Index(fields=["submitted_at"]),
        ]

    def __str__(self) -> str:
        return self.number or _("Draft complaint %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, {})

    def roles_for(self, status: str) -> set[str]:
        return self.TRANSITIONS.get(self.status, {}).get(status, set())

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def respondent_label(self) -> str:
        parts = [
            self.respondent_name,
            self.respondent_stall,
            self.respondent_online_shop,
        ]
        return " · ".join(p for p in parts if p) or str(_("Unknown"))


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Content-addressed and outside any public URL: served only by cases:evidence.
    ext = filename.rsplit(".", 1)[-1].lower()
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}.{ext}"


class Evidence(models.Model):
    """A file supporting a complaint; never changed or deleted once filed."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo of the goods")
        RECEIPT = "receipt", _("Purchase receipt (购物凭证)")
        DOCUMENT = "document", _("Document or web page")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(
        max_length=64, help_text=_("SHA-256 of the stored file (images without EXIF).")
    )
    source_sha256 = models.CharField(
        max_length=64, help_text=_("SHA-256 of the file exactly as uploaded.")
    )
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["case", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class CaseEvent(models.Model):
    """One append-only audit row per move, chained by hash to the one before."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    from_status = models.CharField(max_length=20, choices=Case.Status)
    to_status = models.CharField(max_length=20, choices=Case.Status)
    # Null for moves the system makes (check_deadlines).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "seq"], name="case_event_seq_unique"
            )
        ]
        # Statistics: moves of one kind per month, and "did this case ever reach X".
        indexes = [
            models.Index(fields=["to_status", "created_at"]),
            models.Index(fields=["case", "to_status"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq}: {self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        # Append-only: the audit trail is written once, never updated.
        if self.pk is not None:
            raise ValueError("Case events are append-only.")
        super().save(*args, **kwargs)

    def compute_hash(self) -> str:
        payload = json.dumps(
            [
                self.case_id,
                self.seq,
                self.from_status,
                self.to_status,
                self.actor_id,
                self.note,
                self.created_at.astimezone(datetime.UTC).isoformat(),
                self.prev_hash,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


class ComplaintCounter(models.Model):
    """The last complaint number issued in a year; locked while issuing the next."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class MediationSession(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sessions")
    held_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    attendees = models.CharField(_("attendees"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["case", "held_at"]

    def __str__(self) -> str:
        return f"{self.case} {self.held_at:%Y-%m-%d %H:%M}"


class Agreement(models.Model):
    """The mediation agreement (调解协议书); effective once all three confirm."""

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="agreement"
    )
    facts = models.TextField(_("facts and the disputed issue"))
    performance_method = models.TextField(_("how the terms are performed"), blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    complainant_confirmed_at = models.DateTimeField(null=True, blank=True)
    respondent_confirmed_at = models.DateTimeField(null=True, blank=True)
    mediator_confirmed_at = models.DateTimeField(null=True, blank=True)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    effective_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")

    def __str__(self) -> str:
        return f"{self.case} agreement"

    @property
    def any_confirmed(self) -> bool:
        return bool(
            self.complainant_confirmed_at
            or self.respondent_confirmed_at
            or self.mediator_confirmed_at
        )


class AgreementTerm(models.Model):
    class Kind(models.TextChoices):
        CEASE = "cease", _("Stop selling (停止销售)")
        DELIST = "delist", _("Take listings down (下架)")
        DESTROY = "destroy", _("Destroy stock (销毁库存)")
        PAY = "pay", _("Pay compensation (赔偿)")
        LICENCE = "licence", _("Pay a licence fee per item (许可使用费)")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="terms"
    )
    kind = models.CharField(_("term"), max_length=10, choices=Kind)
    quantity = models.PositiveIntegerField(
        _("pieces"), null=True, blank=True, validators=[MaxValueValidator(MAX_QUANTITY)]
    )
    amount = models.DecimalField(
        _("amount (¥)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)],
    )
    due_on = models.DateField(_("by"))
    details = models.CharField(_("details"), max_length=300, blank=True)
    performed_at = models.DateTimeField(_("performed at"), null=True, blank=True)
    performance_note = models.CharField(
        _("performance note"), max_length=300, blank=True
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("agreement term")
        verbose_name_plural = _("agreement terms")
        ordering = ["agreement", "due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"


class Referral(models.Model):
    class Target(models.TextChoices):
        MARKET_REGULATION = "market_regulation", _("Market-regulation enforcement")
        PLATFORM = "platform", _("Platform takedown")
        COURT = "court", _("Court")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    target = models.CharField(_("referred to"), max_length=20, choices=Target)
    recipient = models.CharField(_("receiving body"), max_length=200)
    reference = models.CharField(_("their reference"), max_length=100, blank=True)
    note = models.TextField(_("reason and materials sent"))
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    referred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["case", "referred_at"]

    def __str__(self) -> str:
        return f"{self.case} → {self.get_target_display()}"


class Notification(models.Model):
    """An in-app inbox message; e-mail goes out alongside it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.message


class CalendarYear(models.Model):
    """A year whose holidays and make-up days the administrator entered by hand."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    note = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("E.g. the State Council notice the days were copied from."),
    )

    class Meta:
        verbose_name = _("working-day calendar year")
        verbose_name_plural = _("working-day calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A statutory holiday on a weekday, or a make-up workday (调休) on a weekend."""

    year = models.ForeignKey(
        CalendarYear, on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("make-up workday"),
        default=False,
        help_text=_("Ticked: a weekend day worked (调休). Unticked: a holiday."),
    )
    name = models.CharField(_("holiday name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def clean(self) -> None:
        if self.date and self.year_id and self.date.year != self.year_id:
            raise ValidationError(
                {"date": _("The date must fall in %(year)s.") % {"year": self.year_id}}
            )
        if self.date and self.is_workday and self.date.weekday() < 5:
            raise ValidationError(
                {"is_workday": _("A make-up workday is a Saturday or Sunday.")}
            )


class StageLimit(models.Model):
    """The administrator's time limit for a stage, overriding the default."""

    class Unit(models.TextChoices):
        WORKING = "working", _("working days")
        CALENDAR = "calendar", _("calendar days")

    stage = models.CharField(
        _("stage"), max_length=20, choices=Case.Status, unique=True
    )
    days = models.PositiveSmallIntegerField(
        _("days"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    unit = models.CharField(
        _("unit"), max_length=10, choices=Unit, default=Unit.WORKING
    )

    class Meta:
        verbose_name = _("stage time limit")
        verbose_name_plural = _("stage time limits")
        ordering = ["stage"]

    def __str__(self) -> str:
        return f"{self.stage}: {self.days} {self.unit}"
