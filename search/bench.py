"""Deterministic synthetic designs and queries for `manage.py bench_search`.

Built from real textile trade vocabulary so that segmentation, posting-list lengths and
highlighting cost look like the registry's: each document is a pure function of
(seed, number), so a million of them need no memory and every run sees the same data.
"""

import random

STYLES = "北欧风 ins风 新中式 欧式 简约 复古 田园 轻奢 小清新 卡通 现代 法式 日式 美式".split()
COLORS = "雾霾蓝 米白 酒红 墨绿 藏青 香槟金 浅灰 雾粉 奶咖 姜黄 湖蓝 玫红 象牙白 燕麦色 莫兰迪灰".split()
MOTIFS = (
    "牡丹 玫瑰 郁金香 缠枝莲 莲花 梅花 竹叶 蝴蝶 孔雀 祥云 格纹 条纹 波点 几何 佩斯利 "
    "大马士革 樱花 向日葵 雏菊 山茶花 银杏叶 芭蕉叶 火烈鸟 熊猫 独角兽 星空 水墨 宝相花 "
    "团花 碎花 回纹 锦鲤 仙鹤 海浪 森林 麋鹿"
).split()
PRODUCTS = "四件套 三件套 窗帘 遮光窗帘 纱帘 抱枕 靠垫 床笠 被套 床单 枕套 毛巾 浴巾 桌布 面料 沙发垫".split()
TECHNIQUES = "印花 数码印花 活性印花 提花 刺绣 绣花 色织 烫金".split()
MATERIALS = "全棉 纯棉 天丝 磨毛 真丝 亚麻 珊瑚绒 牛奶绒 法兰绒 涤纶 竹纤维".split()
ROOMS = "卧室 客厅 儿童房 酒店 民宿 书房".split()
TOUCHES = "原创设计 满印 大花回 小清新配色 对称构图 手绘风格 水彩效果 复古做旧 撞色拼接".split()
ENGLISH = "Nordic Morandi vintage floral geometric boho classic modern".split()
SURNAMES = "张 王 李 赵 陈 刘 杨 黄 周 吴 徐 孙 朱 马 胡 郭".split()
GIVEN = "伟 芳 娜 敏 静 丽 强 磊 洋 艳 勇 军 杰 娟 涛 明 超 秀英 霞 平".split()
PLACES = "南通 通州 川姜 叠石桥 志浩 海门 如皋 启东".split()
SHOP_WORDS = "锦绣 华美 金鼎 恒源 宏达 凯瑞 佳美 雅居 梦洁 罗莱".split()
CATEGORIES = [
    "bedding_set",
    "curtain",
    "towel",
    "cushion",
    "fabric",
    "tablecloth",
    "other",
]
TECHNIQUE_CODES = [
    "print",
    "digital_print",
    "jacquard",
    "embroidery",
    "yarn_dyed",
    "other",
]
OWNERS = 5000


def document(number: int, *, seed: int = 1) -> dict:
    """Return synthetic document `number` (1-based) in the shape of text.document_for()."""
    rng = random.Random(seed * 1_000_003 + number)
    style, color, motif = rng.choice(STYLES), rng.choice(COLORS), rng.choice(MOTIFS)
    product, technique = rng.choice(PRODUCTS), rng.choice(TECHNIQUES)
    title = f"{style}{color}{motif}{product}"
    if rng.random() < 0.1:
        title = f"{rng.choice(ENGLISH).upper()} {title}"
    description = (
        f"{rng.choice(TOUCHES)}，{color}{motif}花型，{rng.choice(MOTIFS)}点缀，"
        f"{technique}工艺，{rng.choice(MATERIALS)}面料，适合{rng.choice(ROOMS)}。"
    )
    if rng.random() < 0.2:
        description += f" {rng.choice(ENGLISH)} {rng.choice(ENGLISH).lower()} design."
    author = rng.choice(SURNAMES) + rng.choice(GIVEN)
    owner = rng.randrange(1, OWNERS + 1)
    shop = f"{PLACES[owner % len(PLACES)]}{SHOP_WORDS[owner % len(SHOP_WORDS)]}家纺"
    registered = rng.random() < 0.9
    year = rng.choice([2022, 2023, 2024, 2025, 2026]) if registered else None
    regno = f"ntht-{year}-{number:06d}" if registered else ""
    return {
        "pk": number,
        "regno": regno,
        "title": title,
        "body": "\n".join([description, technique, author, shop, regno]),
        "status": "registered" if registered else "draft",
        "owner": owner,
        "category": rng.choice(CATEGORIES),
        "technique": rng.choice(TECHNIQUE_CODES),
        "year": year,
        "updated": f"bench-{number}",
    }


def documents(count: int, *, seed: int = 1):
    for number in range(1, count + 1):
        yield document(number, seed=seed)


def queries(per_size: int = 30, *, seed: int = 7) -> dict[int, list[str]]:
    """Return {1: [...], 2: [...], 3: [...]}: queries of one, two and three words."""
    rng = random.Random(seed)
    pools = [MOTIFS, PRODUCTS, COLORS, STYLES, TECHNIQUES, MATERIALS]
    out: dict[int, list[str]] = {1: [], 2: [], 3: []}
    for _ in range(per_size):
        out[1].append(rng.choice(rng.choice(pools)))
        out[2].append(f"{rng.choice(MOTIFS)} {rng.choice(PRODUCTS)}")
        out[3].append(
            f"{rng.choice(COLORS)} {rng.choice(MOTIFS)} {rng.choice(PRODUCTS)}"
        )
    return out
