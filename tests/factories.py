"""Hand-written factories: make_* functions with sensible defaults, override by keyword."""

import datetime
import io
import itertools
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts import roles
from accounts.models import User
from designs import services as design_services
from designs.images import CleanImage, clean_image_bytes
from designs.models import FabricDesign

_seq = itertools.count(1)


def make_user(*, role: str | None = None, **fields) -> User:
    n = next(_seq)
    fields.setdefault("username", f"user{n}")
    fields.setdefault("shop_name", f"测试家纺{n}号店")
    fields.setdefault("phone", f"138{n:08d}")
    fields.setdefault("stall_no", f"A区1-{n}")
    fields.setdefault("email", f"user{n}@example.com")
    password = fields.pop("password", "pw-for-tests")
    user = User.objects.create_user(password=password, **fields)
    if role:
        from django.contrib.auth.models import Group

        roles.ensure_roles()
        user.groups.add(Group.objects.get(name=role))
    return user


def make_staff(role: str = roles.INTAKE, **fields) -> User:
    return make_user(role=role, **fields)


def pattern_png(seed: int = 0, size: int = 96, fmt: str = "PNG") -> bytes:
    """Draw a small deterministic tiled pattern: distinct seeds give distinct designs."""
    rng = random.Random(seed)
    tile = Image.new("RGB", (32, 32), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(tile)
    for _ in range(4):
        x, y, r = rng.randrange(32), rng.randrange(32), rng.randrange(4, 12)
        draw.ellipse(
            (x - r, y - r, x + r, y + r),
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    image = Image.new("RGB", (size, size))
    for x in range(0, size, 32):
        for y in range(0, size, 32):
            image.paste(tile, (x, y))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def make_upload(
    name: str = "pattern.png",
    seed: int = 0,
    data: bytes | None = None,
    content_type: str = "image/png",
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data if data is not None else pattern_png(seed), content_type=content_type
    )


def make_clean_image(seed: int = 0, name: str = "pattern.png") -> CleanImage:
    return clean_image_bytes(pattern_png(seed), name=name)


def make_design(
    *,
    owner: User | None = None,
    status: str = FabricDesign.Status.DRAFT,
    seed: int | None = None,
    **fields,
) -> FabricDesign:
    owner = owner or make_user()
    n = next(_seq)
    fields.setdefault("title", f"牡丹花型 {n}")
    fields.setdefault("category", FabricDesign.Category.BEDDING_SET)
    fields.setdefault("technique", FabricDesign.Technique.PRINT)
    fields.setdefault("authors", "张三")
    fields.setdefault("created_on", datetime.date(2025, 3, 1))
    design = design_services.create_design(
        owner=owner,
        images=[make_clean_image(seed if seed is not None else n)],
        **fields,
    )
    if status == FabricDesign.Status.DRAFT:
        return design
    design = design_services.submit_design(design, by=owner)
    if status == FabricDesign.Status.SUBMITTED:
        return design
    reviewer = make_staff(roles.INTAKE)
    if status == FabricDesign.Status.REGISTERED:
        return design_services.register_design(design, by=reviewer)
    if status == FabricDesign.Status.RETURNED:
        return design_services.return_design(design, by=reviewer, reason="补充作品说明")
    if status == FabricDesign.Status.REJECTED:
        return design_services.reject_design(design, by=reviewer, reason="非原创")
    if status == FabricDesign.Status.WITHDRAWN:
        return design_services.withdraw_design(design, by=owner)
    if status == FabricDesign.Status.REVOKED:
        design = design_services.register_design(design, by=reviewer)
        admin = make_staff(roles.ADMINISTRATOR)
        return design_services.revoke_design(design, by=admin, reason="经查为抄袭")
    raise ValueError(status)
