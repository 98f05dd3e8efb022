import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from designs.models import FabricDesign
from search import text
from tests.factories import make_design, make_user

pytestmark = pytest.mark.django_db

REGISTERED = FabricDesign.Status.REGISTERED


@pytest.fixture
def designs():
    owner = make_user(shop_name="金鼎家纺")
    peony = make_design(
        owner=owner,
        status=REGISTERED,
        title="富贵牡丹四件套",
        description="大朵牡丹满印，活性印花。",
    )
    curtain = make_design(
        owner=owner,
        status=REGISTERED,
        title="牡丹遮光窗帘",
        category=FabricDesign.Category.CURTAIN,
    )
    draft = make_design(owner=owner, title="牡丹草稿", description="尚未提交")
    text.rebuild(text.get_backend())
    return {"owner": owner, "peony": peony, "curtain": curtain, "draft": draft}


def test_search_page_shows_highlights_thumbnails_and_facets(client, designs):
    response = client.get(reverse("search:text"), {"q": "牡丹"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 designs found" in page
    assert "富贵<mark>牡丹</mark>四件套" in page
    assert "大朵<mark>牡丹</mark>满印" in page
    image = designs["peony"].primary_image
    assert reverse("designs:image", args=[image.pk]) in page
    assert 'Curtain (窗帘)</a> <span class="muted">(1)</span>' in page
    assert "?q=%E7%89%A1%E4%B8%B9&amp;category=curtain" in page
    assert "牡丹草稿" not in page


def test_search_page_facet_filter_and_owner_view(client, designs):
    response = client.get(reverse("search:text"), {"q": "牡丹", "category": "curtain"})
    page = response.content.decode()
    assert "1 design found" in page
    assert "牡丹遮光窗帘" in page and "富贵" not in page
    client.force_login(designs["owner"])
    page = client.get(reverse("search:text"), {"q": "牡丹"}).content.decode()
    assert "牡丹草稿" in page


def test_empty_result_explains_what_was_tried(client, designs):
    page = client.get(reverse("search:text"), {"q": "不存在的花样"}).content.decode()
    assert "Nothing matches" in page
    assert "pinyin" in page


def test_search_page_in_chinese(client, designs, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get(
        reverse("search:text"), {"q": "牡丹"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "检索登记库" in page.content.decode()


def test_api_returns_public_fields_of_registered_designs(client, designs):
    response = client.get("/api/v1/designs/", {"q": "牡丹", "page_size": 1})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert data["num_pages"] == 2
    assert len(data["results"]) == 1
    result = data["results"][0]
    assert set(result) == {
        "registration_no",
        "title",
        "title_html",
        "snippet_html",
        "category",
        "technique",
        "authors",
        "copyright_holder",
        "registered_on",
        "url",
        "image_url",
        "score",
    }
    assert "phone" not in json.dumps(data) and designs["owner"].phone not in json.dumps(
        data
    )
    client.force_login(designs["owner"])
    titles = [
        r["title"]
        for r in client.get("/api/v1/designs/", {"q": "牡丹"}).json()["results"]
    ]
    assert "牡丹草稿" not in titles  # the API is public even for the owner


def test_api_filters_and_rejects_bad_parameters(client, designs):
    data = client.get("/api/v1/designs/", {"q": "牡丹", "category": "curtain"}).json()
    assert [r["title"] for r in data["results"]] == ["牡丹遮光窗帘"]
    assert client.get("/api/v1/designs/", {"category": "nonsense"}).status_code == 400


def test_api_is_rate_limited_per_client(client, designs, settings, limiter_clock):
    settings.API_RATE_LIMIT = 3
    for _ in range(3):
        assert client.get("/api/v1/designs/", {"q": "牡丹"}).status_code == 200
    response = client.get("/api/v1/designs/", {"q": "牡丹"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61
    other = client.get("/api/v1/designs/", {"q": "牡丹"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_search_designs_command_prints_json(designs, capsys):
    call_command("search_designs", "牡丹", "四件套", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["query"] == "牡丹 四件套"
    assert data["results"] == [
        {
            "registration_no": designs["peony"].registration_no,
            "title": "富贵牡丹四件套",
            "score": data["results"][0]["score"],
        }
    ]
    call_command("search_designs", "牡丹")
    out = capsys.readouterr().out
    assert "2 found" in out and designs["curtain"].registration_no in out


def test_site_search_boxes_point_to_the_search_page(client):
    page = client.get("/").content.decode()
    assert f'action="{reverse("search:text")}"' in page


def test_staff_search_also_finds_complaints_by_number_and_party(client, designs):
    from accounts import roles
    from tests.factories import make_case, make_staff

    case = make_case(respondent_name="仿冒家纺店", respondent_stall="B区2-18")
    staff = make_staff(roles.MEDIATOR)
    client.force_login(staff)
    page = client.get(reverse("search:text"), {"q": case.number}).content.decode()
    assert case.get_absolute_url() in page
    page = client.get(reverse("search:text"), {"q": "仿冒家紡店"}).content.decode()
    assert case.get_absolute_url() in page  # traditional input, party name
    client.force_login(designs["owner"])
    page = client.get(reverse("search:text"), {"q": "仿冒家纺店"}).content.decode()
    assert case.get_absolute_url() not in page  # merchants never see this section
