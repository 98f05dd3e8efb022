"""One suite, both backends (see conftest.search_backend): same data, same answers."""

import pytest

from accounts import roles
from designs.models import FabricDesign
from search import services, text
from tests.factories import make_design, make_staff, make_user

pytestmark = pytest.mark.django_db

Category = FabricDesign.Category
Technique = FabricDesign.Technique
REGISTERED = FabricDesign.Status.REGISTERED


@pytest.fixture
def registry(search_backend):
    owner = make_user(shop_name="金鼎家纺")
    other = make_user(shop_name="华美布艺")
    designs = {
        "peony": make_design(
            owner=owner,
            status=REGISTERED,
            title="富贵牡丹花型四件套",
            description="大朵牡丹满印，活性印花，全棉面料。",
            category=Category.BEDDING_SET,
        ),
        "lotus": make_design(
            owner=other,
            status=REGISTERED,
            title="缠枝莲刺绣窗帘",
            description="传统缠枝莲纹样，遮光窗帘。",
            category=Category.CURTAIN,
            technique=Technique.EMBROIDERY,
        ),
        "nordic": make_design(
            owner=other,
            status=REGISTERED,
            title="NORDIC 北欧风几何抱枕",
            description="Nordic geometric cushion, ins风。",
            category=Category.CUSHION,
        ),
        "morandi": make_design(
            owner=owner,
            status=REGISTERED,
            title="莫兰迪雾霾蓝条纹床单",
            description="莫兰迪色系，雾霾蓝与米白条纹。",
            category=Category.BEDDING_SET,
            technique=Technique.YARN_DYED,
        ),
        "draft": make_design(
            owner=owner,
            title="牡丹秘密新品",
            description="未发布的牡丹花型。",
            category=Category.FABRIC,
        ),
    }
    # The number of the peony design, quoted in another design's description: the exact
    # match must still rank first.
    designs["tulip"] = make_design(
        owner=other,
        status=REGISTERED,
        title="郁金香桌布",
        description=f"参考 {designs['peony'].registration_no} 的配色。",
        category=Category.TABLECLOTH,
    )
    for design in designs.values():
        design.refresh_from_db()
    text.rebuild(search_backend)
    designs["owner"], designs["other"] = owner, other
    return designs


def found(query, **kwargs):
    result = services.search_text(query, **kwargs)
    return [hit.design.title for hit in result.page]


@pytest.mark.parametrize(
    "query, title",
    [
        ("牡丹 四件套", "富贵牡丹花型四件套"),  # simplified, two words
        ("牡丹四件套", "富贵牡丹花型四件套"),  # one run, segmented
        ("刺繡窗簾", "缠枝莲刺绣窗帘"),  # traditional
        ("纏枝蓮", "缠枝莲刺绣窗帘"),  # traditional variant of a dictionary word
        ("ＮＯＲＤＩＣ", "NORDIC 北欧风几何抱枕"),  # full-width
        ("mudan", "富贵牡丹花型四件套"),  # pinyin, joined
        ("mu dan", "富贵牡丹花型四件套"),  # pinyin, spaced
        ("nordic", "NORDIC 北欧风几何抱枕"),  # English, any case
        (
            "geometric cushion",
            "NORDIC 北欧风几何抱枕",
        ),  # English words in the description
        ("nordic 抱枕", "NORDIC 北欧风几何抱枕"),  # mixed
        ("INS风", "NORDIC 北欧风几何抱枕"),  # dictionary word with Latin letters
        ("莫兰迪 雾霾蓝", "莫兰迪雾霾蓝条纹床单"),
        ("金鼎家纺 床单", "莫兰迪雾霾蓝条纹床单"),  # owner's shop name
        ("bedding set 牡丹", "富贵牡丹花型四件套"),  # category label, English
        ("embroidery", "缠枝莲刺绣窗帘"),  # technique label
    ],
)
def test_query_variants_find_the_design(registry, query, title):
    assert found(query)[:1] == [title]


def test_words_are_and_ed(registry):
    assert found("牡丹 窗帘") == []


def test_registration_number_exact_match_ranks_first(registry):
    number = registry["peony"].registration_no
    titles = found(number)
    assert titles[0] == "富贵牡丹花型四件套"
    assert "郁金香桌布" in titles  # quoted in its description
    assert found(number.lower())[0] == "富贵牡丹花型四件套"


def test_segmentation_fallback_uses_character_bigrams(registry):
    # "丹花型" cuts across jieba's words 牡丹|花型; only the bigram field has it.
    result = services.search_text("丹花型")
    assert [h.design.title for h in result.page] == ["富贵牡丹花型四件套"]
    assert result.fallback is True
    assert services.search_text("牡丹 四件套").fallback is False


def test_drafts_are_hidden_from_the_public_and_other_merchants(registry):
    assert "牡丹秘密新品" not in found("牡丹")
    assert "牡丹秘密新品" not in found("牡丹", user=registry["other"])
    assert found("秘密") == []


def test_owner_and_staff_find_drafts(registry):
    assert "牡丹秘密新品" in found("牡丹", user=registry["owner"])
    examiner = make_staff(roles.EXAMINER)
    assert "牡丹秘密新品" in found("秘密", user=examiner)
    # The API-style public search ignores who asks.
    assert found("秘密", user=registry["owner"], public_only=True) == []


def test_facets_count_the_whole_result_and_filter(registry):
    result = services.search_text("", filters=text.Filters(), facets=True)
    categories = {f.value: f.count for f in result.facets["category"]}
    assert categories == {"bedding_set": 2, "curtain": 1, "cushion": 1, "tablecloth": 1}
    owners = {f.label: f.count for f in result.facets["owner"]}
    assert owners == {"金鼎家纺": 2, "华美布艺": 3}
    year = str(registry["peony"].registered_on.year)
    assert {f.value: f.count for f in result.facets["year"]} == {year: 5}
    narrowed = services.search_text("", filters=text.Filters(category="bedding_set"))
    assert narrowed.total == 2
    by_owner = services.search_text(
        "条纹", filters=text.Filters(owner=registry["other"].pk)
    )
    assert by_owner.total == 0


def test_highlights_mark_the_original_text(registry):
    hit = services.search_text("刺繡").page[0]
    assert "<mark>刺绣</mark>" in hit.title_html
    hit = services.search_text("mudan").page[0]
    assert "<mark>牡丹</mark>" in hit.title_html
    assert "<mark>牡丹</mark>" in hit.snippet_html


def test_pagination_reports_the_total(registry):
    result = services.search_text("", page=2, page_size=2)
    assert result.total == 5
    assert result.page.number == 2
    assert len(result.page) == 2
    assert services.search_text("", page=99, page_size=2).page.number == 3


@pytest.fixture
def many(search_backend):
    """25 public 团花 designs (5 with it in the title only), 3 drafts, 4 with 抱枕."""
    owner, other = make_user(), make_user()
    designs = [
        make_design(
            owner=other,
            status=REGISTERED,
            title=f"团花{'抱枕' if i < 4 else '床单'} {i}",
            category=Category.CUSHION if i < 4 else Category.BEDDING_SET,
        )
        for i in range(20)
    ]
    designs += [
        make_design(
            owner=other, status=REGISTERED, title=f"宝相花 {i}", description="团花纹样"
        )
        for i in range(5)
    ]
    drafts = [make_design(owner=owner, title=f"团花新品 {i}") for i in range(2)]
    drafts.append(make_design(owner=other, title="团花另一家的新品"))
    text.rebuild(search_backend)
    return {"owner": owner, "designs": designs, "drafts": drafts}


def test_one_common_word_counts_exactly_across_pages(many):
    first = services.search_text("团花", page_size=10)
    assert first.total == 25
    pages = [
        [h.design.pk for h in services.search_text("团花", page=n, page_size=10).page]
        for n in (1, 2, 3)
    ]
    assert [len(p) for p in pages] == [10, 10, 5]
    assert len({pk for page in pages for pk in page}) == 25
    # A word in the title ranks above the same word in the description only.
    titles = [
        [
            h.design.title
            for h in services.search_text("团花", page=n, page_size=10).page
        ]
        for n in (1, 2, 3)
    ]
    assert all(t.startswith("团花") for t in titles[0] + titles[1])
    assert all(t.startswith("宝相花") for t in titles[2])


def test_an_and_of_words_counts_exactly(many):
    result = services.search_text("团花 抱枕")
    assert result.total == 4
    assert sorted(h.design.title for h in result.page) == [
        f"团花抱枕 {i}" for i in range(4)
    ]
    assert services.search_text("团花 抱枕", page=2, page_size=3).total == 4
    assert len(services.search_text("团花 抱枕", page=2, page_size=3).page) == 1
    past_the_end = services.search_text("团花 抱枕", page=9, page_size=3)
    assert (past_the_end.total, past_the_end.page.number) == (4, 2)
    assert services.search_text("团花", page=9, page_size=10).page.number == 3


def test_a_word_query_counts_drafts_only_for_their_owner_and_staff(many):
    assert services.search_text("团花").total == 25
    assert services.search_text("团花", user=many["owner"]).total == 27
    assert services.search_text("团花 新品", user=many["owner"]).total == 2
    assert services.search_text("团花", user=make_staff(roles.EXAMINER)).total == 28
    assert services.search_text("新品").total == 0
    # Another merchant's search (scoped to their own drafts, of which they have none)
    # sees the public designs only, and no draft on any page.
    stranger = services.search_text("团花", user=make_user(), page_size=30)
    assert stranger.total == 25
    assert not {h.design.pk for h in stranger.page} & {d.pk for d in many["drafts"]}
    assert services.search_text("团花 新品", user=make_user()).total == 0


def test_filters_and_facets_narrow_a_word_query(many):
    result = services.search_text("团花", filters=text.Filters(category="cushion"))
    assert result.total == 4
    assert {h.design.title[:4] for h in result.page} == {"团花抱枕"}
    counted = services.search_text("团花", facets=True)
    assert counted.total == 25
    categories = {f.value: f.count for f in counted.facets["category"]}
    assert categories == {"cushion": 4, "bedding_set": 21}
