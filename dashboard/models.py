from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthlyRollup(models.Model):
    """One statistic for one complete past month (see dashboard/rollups.py)."""

    metric = models.CharField(max_length=40)
    month = models.DateField(help_text=_("First day of the month."))
    data = models.JSONField()
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("monthly roll-up")
        verbose_name_plural = _("monthly roll-ups")
        ordering = ["metric", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "month"], name="rollup_metric_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.month:%Y-%m}"


class Watch(models.Model):
    """A merchant asks to hear of look-alikes of one of their registered designs."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    design = models.OneToOneField(
        "designs.FabricDesign", on_delete=models.CASCADE, related_name="watch"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("design watch")
        verbose_name_plural = _("design watches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.owner} ← {self.design}"


class WatchAlert(models.Model):
    """A new registration or a complaint's evidence photo that matches a watched design."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("New registration by someone else")
        EVIDENCE = "evidence", _("Evidence photo in another complaint")

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind)
    matched_design = models.ForeignKey(
        "designs.FabricDesign",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence = models.ForeignKey(
        "cases.Evidence",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    score = models.FloatField()
    alteration = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("watch alert")
        verbose_name_plural = _("watch alerts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["watch", "matched_design"], name="alert_once_per_design"
            ),
            models.UniqueConstraint(
                fields=["watch", "evidence"], name="alert_once_per_evidence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.watch.design}: {self.get_kind_display()}"


class ScanCursor(models.Model):
    """How far check_watches has read a stream of events (so each is scanned once)."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_id}"
