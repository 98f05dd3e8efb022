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
        indexes = [
            # An owner's own drafts, which only they (and staff) may find.
            models.Index(
                fields=["owner_id"],
                condition=~models.Q(status="registered"),
                name="search_textdoc_owner_drafts",
            ),
        ]

    def __str__(self) -> str:
        return f"search document {self.design_id}"


class TextPosting(models.Model):
    """One indexed word of one design, for counting and ranking on PostgreSQL.

    The GIN index over TextDocument.document finds a common word's rows quickly, but an
    exact total and a ranking then read every matching ~1.8 KB row. These narrow rows,
    kept in step with TextDocument in the same transaction, are read from two indexes
    alone (migration 0003, PostgreSQL only): the primary key, which INCLUDEs impact
    and public, gives a word's designs in design order, so an AND of words is a merge
    join of index-only scans; search_textposting_rank gives them in impact order, so
    a word's top 20 are its first 20 entries.
    """

    pk = models.CompositePrimaryKey("term", "design_id")
    # Columns in this order pack a row into 48 bytes (no alignment padding).
    # No foreign key: deleting a design must not make Django scan this table; the
    # index sync deletes these rows with the design's document.
    design_id = models.BigIntegerField(db_index=True)
    impact = models.PositiveSmallIntegerField(
        help_text=_("The word's ts_rank in this design, in 1/10,000ths.")
    )
    public = models.BooleanField(help_text=_("The design is registered."))
    term = models.TextField(help_text=_("A title or body word, as segmented."))

    class Meta:
        verbose_name = _("search posting")
        verbose_name_plural = _("search postings")

    def __str__(self) -> str:
        return f"{self.term} in design {self.design_id}"


class TextTerm(models.Model):
    """A word of the index: how many designs have it, and its pinyin if Chinese.

    The counts make a one-word query's exact total one row read; the pinyin lets
    "mudan" find the postings of 牡丹.
    """

    term = models.TextField(primary_key=True)
    pinyin = models.TextField(blank=True, help_text=_("Empty unless Chinese."))
    # Kept exact by the same transactions that change the postings.
    designs = models.IntegerField(default=0)
    public_designs = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")
        indexes = [
            models.Index(
                fields=["pinyin"],
                condition=~models.Q(pinyin=""),
                name="search_textterm_pinyin",
            )
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.designs} designs)"


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
    vector = models.BinaryField(
        help_text=_("Candidate-stage codes (fingerprint.VECTOR_BITS bits).")
    )
    features = models.BinaryField(
        help_text=_("Verification data: keypoints, thumbnail, texture embeddings.")
    )
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("image fingerprint")
        verbose_name_plural = _("image fingerprints")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"fingerprint of image {self.image_id} ({self.algorithm})"
