"""Hostile files made on the fly: each is something a real attacker or a broken phone sends.

`BAD` files must be refused with the message fragment given; `SANITISED` ones are accepted
only as re-encoded pixels. New upload fields reuse this list (see test_hostile_uploads.py).
"""

import functools
import io
import struct
import zlib
from dataclasses import dataclass

from PIL import Image

from tests.factories import pattern_png

# Common to the design fields' message ("… is not a JPEG, PNG or WebP image, or it is
# damaged") and the evidence fields' ("… is not a JPEG, PNG, WebP image or a PDF, …").
NOT_AN_IMAGE = "is not a JPEG, PNG"


@dataclass(frozen=True)
class Hostile:
    key: str
    name: str
    data: bytes
    message: str  # fragment of the error shown to the user


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + data))
    return struct.pack(">I", len(data)) + kind + data + crc


@functools.cache
def decompression_bomb() -> bytes:
    """A real bomb: 12,000×12,000 1-bit PNG, ~20 KB on disk, 432 MB once decoded to RGB."""
    side = 12_000
    row = b"\0" + b"\0" * (side // 8)
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(row * side, 9))
        + _chunk(b"IEND", b"")
    )


def _encoded(fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(pattern_png(7, size=256))).save(out, fmt, **kwargs)
    return out.getvalue()


@functools.cache
def truncated_jpeg() -> bytes:
    data = _encoded("JPEG", quality=95)
    return data[: len(data) * 6 // 10]


def svg() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
        b'height="10"><script>alert(document.cookie)</script>'
        b'<rect width="10" height="10"/></svg>'
    )


def eps() -> bytes:
    # Pillow would hand this to Ghostscript on load(): a code-execution surface.
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%EndComments\n"
        b"(/etc/passwd) (r) file pop\nshowpage\n%%EOF\n"
    )


def png_with_html() -> bytes:
    return pattern_png(11) + b"<html><script>alert(document.cookie)</script></html>"


def bad_files() -> list[Hostile]:
    return [
        Hostile("bomb", "bomb.png", decompression_bomb(), "at most 50 megapixels"),
        Hostile("truncated-jpeg", "cut.jpg", truncated_jpeg(), NOT_AN_IMAGE),
        Hostile("tiff-as-png", "scan.png", _encoded("TIFF"), NOT_AN_IMAGE),
        Hostile("svg-as-png", "logo.png", svg(), NOT_AN_IMAGE),
        Hostile("eps", "design.eps", eps(), NOT_AN_IMAGE),
        Hostile("eps-as-png", "design.png", eps(), NOT_AN_IMAGE),
        Hostile("gif", "anim.png", _encoded("GIF"), NOT_AN_IMAGE),
        Hostile("zero-bytes", "empty.png", b"", "is empty"),
        Hostile(
            "30-mb",
            "huge.jpg",
            _encoded("JPEG") + b"\0" * (30 * 1024 * 1024),
            "the limit is 20 MB",
        ),
        Hostile(
            "path-traversal",
            "../../../../etc/cron.d/evil.png",
            svg(),
            "“evil.png” " + NOT_AN_IMAGE,
        ),
        Hostile(
            "windows-traversal",
            "..\\..\\windows\\evil2.png",
            svg(),
            "“evil2.png” " + NOT_AN_IMAGE,
        ),
        Hostile("255-chars", "a" * 251 + ".png", svg(), "“" + "a" * 80 + "” "),
    ]


# Good pixels under hostile names: accepted, stored only under a content-addressed name.
HOSTILE_NAMES = [
    "../../../../tmp/pwned.png",
    "..\\..\\pwned.png",
    "/etc/passwd.png",
    "b" * 251 + ".png",
    "<script>alert(1)</script>.png",
]
