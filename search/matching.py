"""Django glue for the image match: fingerprint rows, the per-process index, queries.

The engine (search/engine.py, search/fingerprint.py) knows nothing of Django; this
module stores fingerprints when design images are stored, keeps one MatchIndex per
process in step with the table, and turns engine results into designs.
"""

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from search import engine
from search import fingerprint as fp
from search.models import ImageFingerprint

log = logging.getLogger(__name__)

# Candidates taken from the index before dropping images of designs the caller may
# not see (drafts, withdrawn): three times the shortlist leaves room for them.
OVERFETCH = 3
# With find_similar(photo=True): designs aligned as a photo of the print when nothing
# matches (docs/benchmarks.md row 57; 5 with engine item 25, row 86; 3 since item 26
# ranks the pool by each design's half-resolution search, row 92: fewer rivals to
# stand out from, for less CPU).
PHOTO_DESIGNS = 3


def fingerprint_image(image_id: int) -> ImageFingerprint | None:
    """Compute and store the fingerprint of one DesignImage unless it is current."""
    from designs.models import DesignImage

    image = DesignImage.objects.filter(pk=image_id).first()
    if image is None:
        return None
    current = ImageFingerprint.objects.filter(image=image).first()
    if (
        current
        and current.sha256 == image.sha256
        and current.algorithm == fp.ALGORITHM_VERSION
    ):
        return current
    with image.image.open("rb") as f:
        result = fp.compute(fp.load_image(f))
    # A new row, not an update: the per-process indexes pick up rows by growing id.
    with transaction.atomic():
        ImageFingerprint.objects.filter(image=image).delete()
        return ImageFingerprint.objects.create(
            image=image,
            design_id=image.design_id,
            sha256=image.sha256,
            algorithm=fp.ALGORITHM_VERSION,
            vector=result.vector,
            features=result.features,
            width=result.width,
            height=result.height,
        )


def queue_fingerprint(sender, instance, created: bool = False, **kwargs) -> None:
    """post_save receiver for DesignImage: fingerprint it once the row is committed."""
    if kwargs.get("raw"):
        return
    image_id = instance.pk
    transaction.on_commit(lambda: _fingerprint_quietly(image_id))


def _fingerprint_quietly(image_id: int) -> None:
    # Storing the design must not fail because its fingerprint did: the image was
    # already validated, and rebuild_fingerprints can redo it.
    try:
        fingerprint_image(image_id)
    except Exception:
        log.exception("fingerprinting design image %s failed", image_id)


class _ProcessIndex:
    """The MatchIndex of this process, loaded on first use and topped up per query."""

    def __init__(self) -> None:
        self.index = engine.MatchIndex()
        self.last_id = 0
        self.lock = threading.Lock()

    def refresh(self) -> engine.MatchIndex:
        """Add the rows committed since the last call (one indexed range query)."""
        with self.lock:
            rows = list(
                ImageFingerprint.objects.filter(
                    pk__gt=self.last_id, algorithm=fp.ALGORITHM_VERSION
                )
                .order_by("pk")
                .values_list("pk", "vector")
            )
            if rows:
                keys = np.array([pk for pk, _v in rows], np.int64)
                codes = np.frombuffer(
                    b"".join(bytes(v) for _pk, v in rows), np.uint8
                ).reshape(-1, engine.CODE_BYTES)
                self.index.add_many(keys, codes)
                self.last_id = int(keys[-1])
            return self.index

    def reset(self) -> None:
        with self.lock:
            self.index = engine.MatchIndex()
            self.last_id = 0


_process_index = _ProcessIndex()


def get_index() -> engine.MatchIndex:
    return _process_index.refresh()


def reset_index() -> None:
    """Forget the in-memory index (tests; after rebuild_fingerprints in-process)."""
    _process_index.reset()


@dataclass(frozen=True)
class Match:
    design: object  # designs.models.FabricDesign
    image: object  # designs.models.DesignImage
    score: float
    is_match: bool
    alteration: str | None

    def as_dict(self) -> dict:
        return {
            "registration_no": self.design.registration_no,
            "title": self.design.title,
            "score": self.score,
            "is_match": self.is_match,
            "alteration": self.alteration,
        }


def find_similar(
    image, *, top: int = 5, include_unregistered: bool = False, photo: bool = False
) -> list[Match]:
    """Return the designs most like an image (path, file or PIL image), best first.

    photo: where nothing matches, the PHOTO_DESIGNS designs the texture embedding
    ranks first are aligned as a photo of the print (engine.match(photo=...)):
    ~0.15-0.2 s of CPU each, for photos taken at a stall.
    """
    from designs.models import FabricDesign

    query = _query_fingerprint(image)
    index = get_index()
    found: dict[int, ImageFingerprint] = {}
    rows = ImageFingerprint.objects.filter(algorithm=fp.ALGORITHM_VERSION)
    if not include_unregistered:
        rows = rows.filter(design__status=FabricDesign.Status.REGISTERED)

    # Two steps: which candidates the caller may see (ids only), then the
    # verification data (~45 KB a row) of just the shortlist among them.
    def visible(keys: list[int]) -> set[int]:
        return set(rows.filter(pk__in=keys).values_list("pk", flat=True))

    def features_for_keys(keys: Iterable[int]) -> dict[int, fp.Fingerprint]:
        for row in rows.filter(pk__in=list(keys)).select_related("design", "image"):
            found[row.pk] = row
        return {pk: _stored(row) for pk, row in found.items()}

    results = engine.match(
        query,
        index,
        features_for_keys,
        top=top * OVERFETCH,
        fetch=engine.SHORTLIST * OVERFETCH,
        group_of=lambda key: found[key].design_id,
        visible=visible,
        photo=PHOTO_DESIGNS if photo else 0,
        pixels=lambda key: _file_pixels(found[key].image),
    )
    matches, seen = [], set()
    for result in results:
        row = found[result.key]
        # One line per design, from its best-matching image.
        if row.design_id in seen:
            continue
        seen.add(row.design_id)
        matches.append(
            Match(
                row.design, row.image, result.score, result.is_match, result.alteration
            )
        )
    return matches[:top]


CLOSE_IMAGES = 3  # of one design, looked at closely by compare_with_design


def compare_with_design(image, design) -> Match | None:
    """How closely an image matches one design (its best stored image), the photo's
    alignment (engine item 17) included where the quick witnesses find no match.

    For a pair the caller already suspects, such as a complaint's relied-on design:
    ~0.5 s an image of the design, too slow for the registry search. None if the
    design has no fingerprinted image.
    """
    query = _query_fingerprint(image)
    best = None
    rows = (
        ImageFingerprint.objects.filter(algorithm=fp.ALGORITHM_VERSION, design=design)
        .select_related("design", "image")
        .order_by("-image__is_primary", "image__position", "pk")
    )
    # The certificate image first; a design's first few images are what a copier
    # would photograph, and each close look costs ~0.5 s.
    for row in rows[:CLOSE_IMAGES]:
        score, alteration = engine.verify_closely(
            query, _stored(row), lambda row=row: _file_pixels(row.image)
        )
        if best is None or score > best.score:
            best = Match(
                row.design,
                row.image,
                round(score, 4),
                score > engine.MATCH_THRESHOLD,
                alteration,
            )
    return best


def _file_pixels(image) -> np.ndarray | None:
    """A design image's stored file at its own size (engine item 23's candidate)."""
    try:
        with image.image.open("rb") as f:
            return fp.file_pixels(f)
    except OSError:  # the file is gone from storage: no evidence, not an error
        return None


def _query_fingerprint(image) -> fp.Fingerprint:
    """The query's fingerprint from a path, an open file or a PIL image."""
    if not hasattr(image, "size") or not hasattr(image, "mode"):
        image = fp.load_image(image)
    return fp.compute_query(image)


def _stored(row: ImageFingerprint) -> fp.Fingerprint:
    """A fingerprint row as the engine takes it."""
    return fp.Fingerprint(
        vector=bytes(row.vector),
        features=bytes(row.features),
        width=row.width,
        height=row.height,
    )
