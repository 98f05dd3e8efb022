"""Demo registry: realistic merchants, staff and designs in every status (seed_demo)."""

import datetime
import io
import math
import random
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts import roles
from accounts.models import User
from designs import services
from designs.images import clean_image_bytes
from designs.models import DesignEvent, FabricDesign

DEMO_PASSWORD = "ipcenter-demo"
DEMO_DIR = Path(__file__).resolve().parent / "demo"

MERCHANTS = [
    # username, shop, stall, phone, contact name
    ("merchant1", "南通锦绣坊家纺有限公司", "A区2-108", "13862811234", "陈丽华"),
    ("merchant2", "叠石桥梦雅床品商行", "B区1-315", "13951302468", "王建国"),
    ("merchant3", "志浩印花布艺", "C区3-021", "15006287731", "顾志浩"),
    ("merchant4", "海门云裳窗帘工作室", "D区2-206", "18912275560", "沈云"),
]
STAFF = [
    ("intake", "受理员 周敏", roles.INTAKE),
    ("examiner", "比对员 黄立新", roles.EXAMINER),
    ("mediator", "调解员 吴秀英", roles.MEDIATOR),
    ("director", "中心主任 李振华", roles.ADMINISTRATOR),
]

# Chinese titles for the shipped Hero Patterns swatches (see demo/LICENSE.md).
HERO_TITLES = {
    "architect": "建筑线稿",
    "autumn": "秋叶飘落",
    "bevelCircle": "浮雕圆点",
    "boxes": "方格简约",
    "churchOnSunday": "教堂花窗",
    "circlesAndSquares": "圆方交错",
    "cutout": "镂空几何",
    "diagonalStripes": "斜纹条",
    "fallingTriangles": "落英三角",
    "flippedDiamonds": "翻转菱形",
    "floatingCogs": "浮动齿轮",
    "floorTile": "地砖格",
    "formalInvitation": "卷草请柬纹",
    "glamorous": "摩登波纹",
    "happyIntersection": "欢乐十字",
    "intersectingCircles": "交织圆环",
    "leaf": "缠枝叶",
    "morphingDiamonds": "渐变菱格",
    "parkayFloor": "人字拼",
    "pieFactory": "扇形拼花",
    "polkaDots": "莫兰迪波点",
    "rain": "细雨",
    "steelBeams": "钢梁格",
    "temple": "回纹",
    "wiggle": "波浪纹",
    "xEquals": "叉叉格",
    "yyy": "丫字纹",
    "zigZag": "锯齿纹",
}
PRODUCTS = [
    (FabricDesign.Category.BEDDING_SET, "四件套"),
    (FabricDesign.Category.CURTAIN, "遮光窗帘"),
    (FabricDesign.Category.CUSHION, "抱枕"),
    (FabricDesign.Category.FABRIC, "面料"),
    (FabricDesign.Category.TOWEL, "毛巾"),
    (FabricDesign.Category.TABLECLOTH, "桌布"),
]
TECHNIQUES = list(FabricDesign.Technique.values[:-1])
AUTHORS = ["陈丽华", "王建国", "顾志浩", "沈云", "张晓燕", "刘思远", "徐梦琪"]
STYLES = ["北欧", "ins风", "中式", "田园", "简约", "复古", "雾霾蓝", "莫兰迪"]


def generated_pattern(seed: int, size: int = 384) -> bytes:
    """Draw a seamless floral print: petals round a centre, repeated on a tile."""
    rng = random.Random(seed)
    palette = [tuple(rng.randrange(40, 250) for _ in range(3)) for _ in range(4)]
    tile_size = rng.choice([64, 96, 128])
    tile = Image.new("RGB", (tile_size, tile_size), palette[0])
    draw = ImageDraw.Draw(tile)
    for _ in range(rng.randint(2, 4)):
        cx, cy = rng.randrange(tile_size), rng.randrange(tile_size)
        petals, radius = rng.randint(4, 8), rng.randint(8, tile_size // 4)
        for dx in (-tile_size, 0, tile_size):  # wrap so the tile repeats seamlessly
            for dy in (-tile_size, 0, tile_size):
                for k in range(petals):
                    angle = 2 * math.pi * k / petals
                    px = cx + dx + math.cos(angle) * radius * 0.8
                    py = cy + dy + math.sin(angle) * radius * 0.8
                    r = radius * 0.45
                    draw.ellipse((px - r, py - r, px + r, py + r), fill=palette[1])
                r = radius * 0.35
                draw.ellipse(
                    (cx + dx - r, cy + dy - r, cx + dx + r, cy + dy + r),
                    fill=palette[2],
                )
    for _ in range(rng.randint(3, 8)):
        x, y = rng.randrange(tile_size), rng.randrange(tile_size)
        draw.line(
            (x, y, x + rng.randint(-20, 20), y + rng.randint(-20, 20)),
            fill=palette[3],
            width=2,
        )
    image = Image.new("RGB", (size, size))
    for x in range(0, size, tile_size):
        for y in range(0, size, tile_size):
            image.paste(tile, (x, y))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def ensure_users() -> dict[str, User]:
    users = {}
    for username, shop, stall, phone, name in MERCHANTS:
        users[username] = _user(
            username, shop_name=shop, stall_no=stall, phone=phone, first_name=name
        )
    for username, name, role in STAFF:
        user = _user(username, first_name=name, is_staff=(role == roles.ADMINISTRATOR))
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users


def _user(username: str, **fields) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@demo.ipcenter.local", **fields},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


@transaction.atomic
def seed_designs(progress: Callable[[str], None] = lambda _: None) -> int:
    """Create the demo designs once; return how many were created."""
    if FabricDesign.objects.filter(owner__username="merchant1").exists():
        return 0
    users = ensure_users()
    merchants = [users[m[0]] for m in MERCHANTS]
    reviewer, director = users["intake"], users["director"]
    rng = random.Random(2026)
    created = 0
    first_day = datetime.date(2025, 1, 6)
    sources = [
        (p, HERO_TITLES.get(p.stem.removeprefix("hero-"), p.stem))
        for p in sorted(DEMO_DIR.glob("hero-*.png"))
    ]
    sources += [(seed, f"缠枝莲{seed}号") for seed in range(1, 5)]
    plan = [FabricDesign.Status.REGISTERED] * len(sources)
    extra = [
        FabricDesign.Status.DRAFT,
        FabricDesign.Status.DRAFT,
        FabricDesign.Status.SUBMITTED,
        FabricDesign.Status.SUBMITTED,
        FabricDesign.Status.SUBMITTED,
        FabricDesign.Status.RETURNED,
        FabricDesign.Status.REJECTED,
        FabricDesign.Status.REVOKED,
        FabricDesign.Status.WITHDRAWN,
    ]
    sources += [(100 + i, f"牡丹花开{i + 1}号") for i in range(len(extra))]
    plan += extra
    for index, ((source, motif), status) in enumerate(zip(sources, plan, strict=True)):
        data = (
            source.read_bytes()
            if isinstance(source, Path)
            else generated_pattern(source)
        )
        category, product = PRODUCTS[index % len(PRODUCTS)]
        owner = merchants[index % len(merchants)]
        created_on = first_day + datetime.timedelta(days=index * 17)
        image = clean_image_bytes(data, name=f"{motif}.png")
        design = services.create_design(
            owner=owner,
            images=[image],
            title=f"{rng.choice(STYLES)}{motif}{product}",
            description=f"{motif}主题花型，{product}用，{'满地' if index % 2 else '散点'}排列，原创设计。",
            category=category,
            technique=TECHNIQUES[index % len(TECHNIQUES)],
            authors=AUTHORS[index % len(AUTHORS)],
            copyright_holder=owner.shop_name,
            created_on=created_on,
            published_on=created_on + datetime.timedelta(days=10)
            if index % 3
            else None,
            originality=FabricDesign.Originality.ADAPTATION
            if index % 7 == 3
            else FabricDesign.Originality.ORIGINAL,
        )
        _advance(
            design,
            status,
            owner=owner,
            reviewer=reviewer,
            director=director,
            on=created_on + datetime.timedelta(days=20),
        )
        _backdate(
            design,
            start=created_on,
            decided_on=min(
                created_on + datetime.timedelta(days=20), datetime.date.today()
            ),
        )
        created += 1
        progress(f"{created}/{len(sources)} {design.title}")
    return created


def _backdate(
    design: FabricDesign, *, start: datetime.date, decided_on: datetime.date
) -> None:
    """Spread the demo's audit trail over the weeks after creation, as in real life."""
    tz = timezone.get_current_timezone()

    def at(day: datetime.date, hour: int) -> datetime.datetime:
        moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)
        return min(moment, timezone.now())

    moment = at(start, 9)
    for event in design.events.order_by("pk"):
        stage_start = moment
        if event.from_status == FabricDesign.Status.SUBMITTED:
            moment = at(decided_on, 15)
        else:
            moment = at((moment + datetime.timedelta(days=3)).date(), 10)
        DesignEvent.objects.filter(pk=event.pk).update(
            created_at=moment, stage_started_at=stage_start
        )
        if event.to_status == FabricDesign.Status.SUBMITTED:
            FabricDesign.objects.filter(pk=design.pk).update(submitted_at=moment)


def _advance(design, status, *, owner, reviewer, director, on) -> None:
    S = FabricDesign.Status
    if status == S.DRAFT:
        return
    design = services.submit_design(design, by=owner)
    if status == S.SUBMITTED:
        return
    if status == S.RETURNED:
        services.return_design(
            design, by=reviewer, reason="请补充作品说明中的原创要素，并上传完整回位图。"
        )
    elif status == S.REJECTED:
        services.reject_design(
            design, by=reviewer, reason="与已登记花型实质性相似，不予登记。"
        )
    elif status == S.WITHDRAWN:
        services.withdraw_design(design, by=owner, note="经营户申请撤回。")
    else:
        design = services.register_design(
            design, by=reviewer, on=min(on, datetime.date.today())
        )
        if status == S.REVOKED:
            services.revoke_design(
                design, by=director, reason="经调查，该花型为他人作品的翻版，撤销登记。"
            )
