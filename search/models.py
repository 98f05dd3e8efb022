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


class ImageFingerprint(models.Model):
    """The image-match fingerprint of one stored design image (search/fingerprint.py).

    A cache like the text index: computed when the image is stored, recomputed by
    rebuild_fingerprints after an algorithm change. `vector` goes into every server
    process's in-memory index; `features` is read only for the few candidates a query
    verifies.
    """

    image = models.OneToOneField(
        "designs.DesignImage",
        on_delete=models.CASCADE,
        related_name="fingerprint",
    )
    # Copied from the image so candidate rows join the design without the image row.
    design = models.ForeignKey(
        "designs.FabricDesign", on_delete=models.CASCADE, related_name="+"
    )
    sha256 = models.CharField(max_length=64, help_text=_("Of the image fingerprinted."))
    algorithm = models.CharField(
        max_length=40, db_index=True, help_text=_("fingerprint.ALGORITHM_VERSION")
    )
    vector = models.BinaryField(help_text=_("Candidate-stage code (256 bits)."))
    features = models.BinaryField(help_text=_("Keypoints for verification."))
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("image fingerprint")
        verbose_name_plural = _("image fingerprints")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"fingerprint of image {self.image_id} ({self.algorithm})"
