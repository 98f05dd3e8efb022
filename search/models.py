from django.db import models
from django.utils.translation import gettext_lazy as _


class TextDocument(models.Model):
    """One design's jieba-segmented text for the PostgreSQL search backend.

    A copy, like the Whoosh index: the design row is the truth and rebuild_index or
    reconcile_index recreate these rows. On PostgreSQL the migration adds a generated,
    GIN-indexed tsvector column `document` over the *_words columns ('simple' config:
    title weight A, body B, pinyin C, bigrams D); Django never reads it directly.
    """

    design = models.OneToOneField(
        "designs.FabricDesign",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    regno = models.CharField(max_length=64, blank=True, db_index=True)
    title_words = models.TextField(blank=True, default="")
    body_words = models.TextField(blank=True, default="")
    pinyin_words = models.TextField(blank=True, default="")
    bigram_words = models.TextField(blank=True, default="")
    status = models.CharField(max_length=12)
    owner_id = models.BigIntegerField()
    category = models.CharField(max_length=20)
    technique = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    updated = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"search document {self.design_id}"
