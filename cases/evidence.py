"""Check evidence uploads: images by decoding (designs.images), PDFs by header."""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from designs.images import clean_image, read_upload

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class CleanFile:
    """An evidence upload that passed the checks, ready to store."""

    content: bytes
    ext: str
    sha256: str
    source_sha256: str
    name: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.ext]

    @property
    def is_image(self) -> bool:
        return self.ext != "pdf"

    def as_file(self) -> ContentFile:
        return ContentFile(self.content, name=f"{self.sha256}.{self.ext}")


def clean_evidence(upload, *, allow_pdf: bool = True) -> CleanFile:
    """Return the upload as a CleanFile, or raise ValidationError for the user."""
    data = read_upload(upload)  # refuses empty and too-large files
    if data.startswith(b"%PDF-"):
        if not allow_pdf:
            raise ValidationError(
                _("Photos of the goods must be JPEG, PNG or WebP images."),
                code="pdf_not_photo",
            )
        digest = hashlib.sha256(data).hexdigest()
        return CleanFile(data, "pdf", digest, digest, _short_name(upload))
    upload.seek(0)
    try:
        image = clean_image(upload)
    except ValidationError as e:
        if getattr(e, "code", None) != "invalid_image":
            raise
        raise ValidationError(
            _("“%(name)s” is not a JPEG, PNG, WebP image or a PDF, or it is damaged.")
            % {"name": _short_name(upload)},
            code="invalid_evidence",
        ) from None
    return CleanFile(
        image.content, image.ext, image.sha256, image.source_sha256, image.name
    )


def _short_name(upload) -> str:
    raw = getattr(upload, "name", "") or "file"
    return raw.replace("\\", "/").rsplit("/", 1)[-1][:80]
