"""Check uploaded images by decoding them, and store them without metadata.

Pure Pillow helpers (no models), shared by design registration and complaint evidence.
"""

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Formats we accept, decided by decoding, never by file name or browser-sent type.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class CleanImage:
    """An uploaded image, decoded, EXIF-free and ready to store."""

    content: bytes
    ext: str
    width: int
    height: int
    sha256: str
    source_sha256: str
    name: str

    def as_file(self) -> ContentFile:
        return ContentFile(self.content, name=f"{self.sha256}.{self.ext}")


def read_upload(upload) -> bytes:
    """Read an uploaded file whole, refusing it before reading if it is too large."""
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; the limit is %(limit)d MB.")
            % {
                "name": _name(upload),
                "size": size / 1024 / 1024,
                "limit": settings.MAX_UPLOAD_MB,
            },
            code="too_large",
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)d MB.")
            % {"name": _name(upload), "limit": settings.MAX_UPLOAD_MB},
            code="too_large",
        )
    if not data:
        raise ValidationError(
            _("“%(name)s” is empty.") % {"name": _name(upload)}, code="empty"
        )
    return data


def clean_image(upload) -> CleanImage:
    """Decode an upload fully and re-encode it without EXIF; raise ValidationError if bad."""
    name = _name(upload)
    data = read_upload(upload)
    return clean_image_bytes(data, name=name)


def clean_image_bytes(data: bytes, *, name: str) -> CleanImage:
    bad = ValidationError(
        _("“%(name)s” is not a JPEG, PNG or WebP image, or it is damaged.")
        % {"name": name},
        code="invalid_image",
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise bad from None
    if fmt not in ALLOWED_FORMATS:
        raise bad
    # Checked from the header, before decoding: a bomb never gets to allocate memory.
    if width * height > settings.MAX_IMAGE_PIXELS:
        raise ValidationError(
            _(
                "“%(name)s” is %(w)d×%(h)d pixels; images may have at most "
                "%(limit)d megapixels."
            )
            % {
                "name": name,
                "w": width,
                "h": height,
                "limit": settings.MAX_IMAGE_PIXELS // 1_000_000,
            },
            code="too_many_pixels",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # a truncated file fails here, not later in a thumbnail
            image = ImageOps.exif_transpose(image)
            content = _encode(image, fmt)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise bad from None
    return CleanImage(
        content=content,
        ext=ALLOWED_FORMATS[fmt],
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
        source_sha256=hashlib.sha256(data).hexdigest(),
        name=name,
    )


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Re-encode pixels only: no EXIF, no trailing bytes, no embedded scripts survive."""
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=92, optimize=True)
    elif fmt == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=False)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, "WEBP", quality=90)
    return out.getvalue()


def _name(upload) -> str:
    raw = getattr(upload, "name", "") or "file"
    # Only the base name, and not too long to show in an error message.
    return raw.replace("\\", "/").rsplit("/", 1)[-1][:80]
