"""The three journeys of issue 7 in a real browser, with screenshots in var/screenshots/."""

import io
import re

import pytest
from django.urls import NoReverseMatch, reverse
from PIL import Image

from designs.models import FabricDesign
from tests.browser.conftest import PHONE
from tests.factories import make_design, pattern_png

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_merchant_signs_up_and_registers_a_design_on_a_phone(new_page, shot, tmp_path):
    page = new_page(PHONE)
    page.goto("/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("#id_username", "jinxiu")
    page.fill("#id_email", "jinxiu@example.com")
    page.fill("#id_phone", "13812341234")
    page.fill("#id_shop_name", "南通锦绣坊家纺")
    page.fill("#id_stall_no", "A区2-108")
    page.fill("#id_password1", "Jinxiu-pass-2026")
    page.fill("#id_password2", "Jinxiu-pass-2026")
    shot(page, "merchant-1-signup-phone")
    page.locator("main form button.btn").click()
    page.wait_for_url("**/designs/mine/")

    page.goto("/designs/new/")
    image = tmp_path / "peony.png"
    image.write_bytes(pattern_png(5, size=320))
    page.fill("#id_title", "缠枝牡丹四件套")
    page.select_option("#id_category", "bedding_set")
    page.select_option("#id_technique", "print")
    page.fill("#id_authors", "张三")
    page.fill("#id_created_on", "2025-03-01")
    page.fill("#id_description", "以缠枝牡丹为主纹，四方连续。")
    page.set_input_files("#id_new_images", str(image))
    shot(page, "merchant-2-design-form-phone")
    page.locator("main form[enctype] button.btn").click()
    page.wait_for_url(re.compile(r".*/designs/\d+/$"))

    page.locator("form[action$='/submit/'] button").click()
    page.wait_for_url(re.compile(r".*/designs/\d+/$"))
    design = FabricDesign.objects.get(title="缠枝牡丹四件套")
    assert design.status == FabricDesign.Status.SUBMITTED
    assert design.owner.shop_name == "南通锦绣坊家纺"
    assert page.locator("h1").inner_text().startswith("缠枝牡丹四件套")
    # The image the merchant uploaded is shown back through the permission-checked view.
    assert page.locator(".gallery img").evaluate("img => img.naturalWidth") == 320
    # Phone layout: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "merchant-3-submitted-phone")


def test_anonymous_visitor_finds_a_registered_design(new_page, shot):
    wanted = make_design(
        status=FabricDesign.Status.REGISTERED, title="蓝印花布 凤穿牡丹"
    )
    make_design(status=FabricDesign.Status.REGISTERED, title="格子 窗帘")
    make_design(status=FabricDesign.Status.DRAFT, title="凤穿牡丹 草稿")

    page = new_page()
    page.goto("/")
    shot(page, "visitor-1-home")
    page.goto("/designs/")
    page.fill("#id_title", "凤穿牡丹")
    page.locator("form.filters button").click()
    page.wait_for_url("**title=*")
    cards = page.locator(".grid .card")
    assert cards.count() == 1  # the draft with the same words stays private
    shot(page, "visitor-2-registry-filtered")
    cards.first.click()
    page.wait_for_url(f"**/designs/{wanted.pk}/")
    assert wanted.registration_no in page.content()
    assert page.locator(".gallery img").evaluate("img => img.naturalWidth") > 0
    shot(page, "visitor-3-design-detail")


def test_anonymous_visitor_finds_a_design_by_chinese_text(new_page, shot):
    wanted = make_design(
        status=FabricDesign.Status.REGISTERED,
        title="缠枝牡丹四件套",
        description="蓝底白花，缠枝牡丹纹样，适用于床品四件套。",
    )
    make_design(status=FabricDesign.Status.REGISTERED, title="几何格子窗帘")

    page = new_page()
    page.goto("/")
    # Traditional characters typed by a visitor still find the simplified title.
    page.fill("main form[role=search] input[name=q]", "纏枝牡丹")
    page.press("main form[role=search] input[name=q]", "Enter")
    page.wait_for_url("**/search/?q=*")
    hits = page.locator("article.hit")
    assert hits.count() == 1
    assert "缠枝牡丹" in hits.first.inner_text()
    shot(page, "visitor-4-text-search")
    hits.first.locator("h2 a").click()
    page.wait_for_url(f"**/designs/{wanted.pk}/")
    assert wanted.registration_no in page.content()


def test_anonymous_visitor_finds_a_design_by_photo(new_page, shot, tmp_path):
    try:
        reverse("search:image")
    except NoReverseMatch:
        pytest.skip("search by image (search:image) is not on this branch yet")
    wanted = make_design(
        status=FabricDesign.Status.REGISTERED, title="蓝印花布 凤穿牡丹", seed=4242
    )
    for seed in (7, 8, 9):
        make_design(status=FabricDesign.Status.REGISTERED, seed=seed)
    # A market photo: the same print, re-scaled, slightly rotated, as a phone JPEG.
    original = Image.open(io.BytesIO(pattern_png(4242, size=288)))
    photo = original.rotate(4, expand=False, fillcolor=(128, 128, 128)).resize(
        (360, 360)
    )
    path = tmp_path / "market-photo.jpg"
    photo.convert("RGB").save(path, "JPEG", quality=80)

    page = new_page(PHONE)
    page.goto(reverse("search:image"))
    page.set_input_files("input[type=file][name=image]", str(path))
    page.locator("main form[enctype] button.btn").click()
    page.wait_for_load_state()
    first = page.locator(".match-results .match-pair").first
    assert f"/designs/{wanted.pk}/" in first.inner_html()
    shot(page, "visitor-5-photo-search-phone")
    first.locator(f"a[href$='/designs/{wanted.pk}/']").first.click()
    page.wait_for_url(f"**/designs/{wanted.pk}/")
