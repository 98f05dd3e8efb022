import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from designs.models import DesignEvent, DesignImage, FabricDesign
from tests.designs.test_images import png_header_only
from tests.factories import make_design, make_staff, make_upload, make_user

pytestmark = pytest.mark.django_db
Status = FabricDesign.Status


def form_data(**extra) -> dict:
    data = {
        "title": "缠枝莲四件套",
        "description": "满地缠枝莲纹样",
        "category": "bedding_set",
        "technique": "print",
        "authors": "陈丽华",
        "copyright_holder": "",
        "created_on": "2025-05-01",
        "published_on": "2025-06-01",
        "originality": "original",
    }
    data.update(extra)
    return data


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_merchant_registers_a_design_over_http(client, settings):
    merchant = make_user()
    client.force_login(merchant)
    response = client.post(
        reverse("designs:new"),
        {
            **form_data(),
            "new_images": [make_upload("a.png", seed=1), make_upload("b.png", seed=2)],
        },
    )
    design = FabricDesign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == design.get_absolute_url()
    assert design.owner == merchant
    assert design.copyright_holder == merchant.shop_name
    assert design.images.count() == 2
    assert design.images.filter(is_primary=True).count() == 1
    assert len(stored_files(settings)) == 2

    client.post(reverse("designs:submit", args=[design.pk]))
    design.refresh_from_db()
    assert design.status == Status.SUBMITTED
    assert design.submitted_at is not None

    reviewer = make_staff(roles.EXAMINER)
    client.force_login(reviewer)
    response = client.post(
        reverse("designs:approve", args=[design.pk]), {"reason": "无在先相似花型"}
    )
    design.refresh_from_db()
    assert design.status == Status.REGISTERED
    assert design.registration_no
    certificate = client.get(
        reverse("designs:certificate", args=[design.pk])
    ).content.decode()
    assert design.registration_no in certificate
    assert "缠枝莲四件套" in certificate
    assert merchant.shop_name in certificate


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("fake.png", b"<html>not a picture</html>", "is not a JPEG, PNG or WebP image"),
        ("bomb.png", png_header_only(9000, 9000), "at most 50 megapixels"),
    ],
)
def test_bad_upload_shows_error_and_saves_nothing(
    client, settings, name, data, message
):
    client.force_login(make_user())
    response = client.post(
        reverse("designs:new"),
        {
            **form_data(),
            "new_images": [make_upload("ok.png", seed=5), make_upload(name, data=data)],
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FabricDesign.objects.exists()
    assert not DesignImage.objects.exists()
    assert stored_files(settings) == []


def test_missing_image_and_bad_dates_are_form_errors(client):
    client.force_login(make_user())
    response = client.post(
        reverse("designs:new"),
        form_data(created_on="2025-06-01", published_on="2025-05-01"),
    )
    body = response.content.decode()
    assert "This field is required." in body
    assert "cannot be published before its creation" in body
    assert not FabricDesign.objects.exists()


def test_batch_upload_makes_one_draft_per_image(client, settings):
    merchant = make_user()
    client.force_login(merchant)
    data = form_data()
    del data["title"]
    response = client.post(
        reverse("designs:batch"),
        {**data, "images": [make_upload(f"花型{i}.png", seed=i) for i in range(3)]},
    )
    assert response.status_code == 302
    titles = sorted(
        FabricDesign.objects.filter(owner=merchant).values_list("title", flat=True)
    )
    assert titles == ["花型0", "花型1", "花型2"]
    assert len(stored_files(settings)) == 3


def test_batch_with_one_bad_image_saves_nothing(client, settings):
    client.force_login(make_user())
    data = form_data()
    response = client.post(
        reverse("designs:batch"),
        {
            **data,
            "images": [
                make_upload("a.png", seed=1),
                make_upload("b.png", data=b"junk"),
            ],
        },
    )
    assert response.status_code == 200
    assert not FabricDesign.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    "status", [Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.REJECTED]
)
def test_another_merchants_unregistered_design_is_not_found(client, status):
    design = make_design(status=status)
    image = design.images.get()
    client.force_login(make_user())
    for url in (
        reverse("designs:detail", args=[design.pk]),
        reverse("designs:image", args=[image.pk]),
        reverse("designs:edit", args=[design.pk]),
        reverse("designs:certificate", args=[design.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("designs:submit", args=[design.pk])).status_code == 404
    assert client.post(reverse("designs:withdraw", args=[design.pk])).status_code == 404
    design.refresh_from_db()
    assert design.status == status


def test_anonymous_sees_drafts_as_not_found_and_registered_as_public(client):
    draft = make_design()
    registered = make_design(status=Status.REGISTERED)
    assert client.get(reverse("designs:detail", args=[draft.pk])).status_code == 404
    assert (
        client.get(reverse("designs:image", args=[draft.images.get().pk])).status_code
        == 404
    )
    response = client.get(reverse("designs:detail", args=[registered.pk]))
    body = response.content.decode()
    assert registered.title in body
    assert registered.owner.phone not in body
    assert "History" not in body  # the audit trail is for owner and staff only
    assert (
        client.get(reverse("designs:image", args=[registered.images.get().pk]))[
            "Content-Type"
        ]
        == "image/png"
    )


@pytest.mark.parametrize("action", ["approve", "return", "reject", "revoke"])
def test_merchant_on_a_staff_action_is_forbidden(client, action):
    status = Status.REGISTERED if action == "revoke" else Status.SUBMITTED
    design = make_design(status=status)
    client.force_login(design.owner)
    response = client.post(
        reverse(f"designs:{action}", args=[design.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    design.refresh_from_db()
    assert design.status == status
    assert (
        not design.events.filter(actor=design.owner)
        .exclude(to_status=Status.SUBMITTED)
        .exists()
    )


def test_merchant_cannot_open_the_review_queue(client):
    client.force_login(make_user())
    assert client.get(reverse("designs:review-queue")).status_code == 403


def test_reject_without_reason_is_refused_with_a_message(client):
    design = make_design(status=Status.SUBMITTED)
    client.force_login(make_staff(roles.INTAKE))
    response = client.post(
        reverse("designs:reject", args=[design.pk]), {"reason": ""}, follow=True
    )
    assert "Give a reason for this decision." in response.content.decode()
    design.refresh_from_db()
    assert design.status == Status.SUBMITTED
    assert not DesignEvent.objects.filter(to_status=Status.REJECTED).exists()


def test_review_queue_filters_and_counts_queries(client):
    staff = make_staff(roles.INTAKE)
    for _ in range(3):
        make_design(status=Status.SUBMITTED, category="curtain")
    make_design(status=Status.SUBMITTED, category="towel", title="毛巾特别款")
    client.force_login(staff)
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("designs:review-queue"))
    assert response.context["page"].paginator.count == 4
    for _ in range(6):
        make_design(status=Status.SUBMITTED)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("designs:review-queue"))
    assert len(many) == len(few)  # no query per row
    response = client.get(reverse("designs:review-queue"), {"category": "towel"})
    assert [d.title for d in response.context["page"]] == ["毛巾特别款"]
    response = client.get(reverse("designs:review-queue"), {"title": "特别"})
    assert response.context["page"].paginator.count == 1


def test_public_list_shows_only_registered_without_query_per_row(client):
    make_design()
    make_design(status=Status.SUBMITTED)
    for _ in range(2):
        make_design(status=Status.REGISTERED)
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("designs:list"))
    assert response.context["page"].paginator.count == 2
    for _ in range(5):
        make_design(status=Status.REGISTERED)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("designs:list"))
    assert len(many) == len(few)


def test_pages_are_chinese_by_default(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    body = client.get(reverse("designs:list")).content.decode()
    assert "已登记花型" in body
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Registered designs" in client.get(reverse("designs:list")).content.decode()
