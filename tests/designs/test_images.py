import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from designs.images import clean_image
from tests.factories import make_upload, pattern_png


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height but carries almost no data: a bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_with_exif(orientation: int = 6) -> bytes:
    image = Image.new("RGB", (60, 30), (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SecretCam"  # camera make: metadata that must not be stored
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_png_is_decoded_and_reencoded():
    clean = clean_image(make_upload("a.png", seed=3))
    assert clean.ext == "png"
    assert (clean.width, clean.height) == (96, 96)
    assert len(clean.sha256) == 64


def test_exif_is_stripped_after_applying_orientation():
    clean = clean_image(
        make_upload("photo.jpg", data=jpeg_with_exif(), content_type="image/jpeg")
    )
    stored = Image.open(io.BytesIO(clean.content))
    assert (stored.width, stored.height) == (30, 60)  # rotated by the orientation tag
    assert not stored.getexif()
    assert b"SecretCam" not in clean.content


def test_webp_is_accepted():
    out = io.BytesIO()
    Image.open(io.BytesIO(pattern_png(1))).save(out, "WEBP")
    assert clean_image(make_upload("a.webp", data=out.getvalue())).ext == "webp"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "notes.png",
            b"hello, not an image at all",
            "is not a JPEG, PNG or WebP image",
        ),
        ("cut.png", pattern_png(2)[:200], "is not a JPEG, PNG or WebP image"),
        ("anim.gif", None, "is not a JPEG, PNG or WebP image"),
        ("empty.png", b"", "is empty"),
        ("bomb.png", png_header_only(10_000, 6_000), "at most 50 megapixels"),
    ],
)
def test_bad_images_are_refused_with_a_clear_message(name, data, message):
    if data is None:
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, "GIF")
        data = out.getvalue()
    with pytest.raises(ValidationError) as e:
        clean_image(make_upload(name, data=data))
    assert message in e.value.messages[0]
    assert name in e.value.messages[0]


def test_file_over_20_mb_is_refused_before_decoding():
    data = pattern_png(1) + b"\0" * (20 * 1024 * 1024)
    with pytest.raises(ValidationError) as e:
        clean_image(make_upload("huge.png", data=data))
    assert "the limit is 20 MB" in e.value.messages[0]


def test_png_with_appended_html_keeps_only_pixels():
    clean = clean_image(
        make_upload("x.png", data=pattern_png(4) + b"<script>alert(1)</script>")
    )
    assert b"<script>" not in clean.content
