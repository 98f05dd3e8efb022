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
