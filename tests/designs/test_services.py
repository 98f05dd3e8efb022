import threading

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from accounts import roles
from designs import services
from designs.models import DesignEvent, DesignImage, FabricDesign, RegistrationCounter
from tests.factories import make_clean_image, make_design, make_staff, make_user

pytestmark = pytest.mark.django_db
Status = FabricDesign.Status


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_create_design_stores_images_and_one_primary(settings):
    owner = make_user()
    design = services.create_design(
        owner=owner,
        images=[make_clean_image(1), make_clean_image(2)],
        primary_index=1,
        title="缠枝莲",
        category="curtain",
        technique="print",
        authors="张三",
        created_on="2025-01-01",
    )
    images = list(design.images.order_by("position"))
    assert [img.is_primary for img in images] == [False, True]
    assert design.copyright_holder == owner.shop_name
    assert design.status == Status.DRAFT
    assert len(media_files(settings)) == 2
    assert all(default_storage.exists(img.image.name) for img in images)


def test_storage_failure_leaves_no_row_and_no_file(settings, monkeypatch):
    owner = make_user()
    real_save = default_storage._save
    calls = []

    def flaky_save(name, content):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(name, content)

    monkeypatch.setattr(default_storage, "_save", flaky_save)
    with pytest.raises(OSError):
        services.create_design(
            owner=owner,
            images=[make_clean_image(1), make_clean_image(2)],
            title="x",
            category="fabric",
            technique="print",
            authors="a",
            created_on="2025-01-01",
        )
    assert not FabricDesign.objects.exists()
    assert not DesignImage.objects.exists()
    assert media_files(settings) == []


def test_full_registration_records_every_move():
    owner = make_user()
    reviewer = make_staff(roles.INTAKE)
    design = make_design(owner=owner)
    services.submit_design(design, by=owner)
    services.return_design(design, by=reviewer, reason="请补充说明")
    services.submit_design(design, by=owner)
    design = services.register_design(design, by=reviewer, note="无相似在先花型")
    design.refresh_from_db()
    assert design.status == Status.REGISTERED
    assert design.reviewer == reviewer
    assert design.registration_no.startswith(f"NTHT-{design.registered_on.year}-")
    moves = list(design.events.values_list("from_status", "to_status", "actor", "note"))
    assert moves == [
        ("draft", "submitted", owner.pk, ""),
        ("submitted", "returned", reviewer.pk, "请补充说明"),
        ("returned", "submitted", owner.pk, ""),
        ("submitted", "registered", reviewer.pk, "无相似在先花型"),
    ]


def test_numbers_are_sequential_per_year():
    reviewer = make_staff(roles.INTAKE)
    a = make_design(status=Status.SUBMITTED)
    b = make_design(status=Status.SUBMITTED)
    c = make_design(status=Status.SUBMITTED)
    import datetime

    services.register_design(a, by=reviewer, on=datetime.date(2025, 12, 31))
    services.register_design(b, by=reviewer, on=datetime.date(2026, 1, 2))
    services.register_design(c, by=reviewer, on=datetime.date(2026, 1, 2))
    numbers = [FabricDesign.objects.get(pk=d.pk).registration_no for d in (a, b, c)]
    assert numbers == ["NTHT-2025-000001", "NTHT-2026-000001", "NTHT-2026-000002"]


@pytest.mark.parametrize(
    ("status", "to", "actor_kind"),
    [
        (Status.DRAFT, Status.REGISTERED, "reviewer"),
        (Status.REGISTERED, Status.SUBMITTED, "owner"),
        (Status.REJECTED, Status.SUBMITTED, "owner"),
        (Status.WITHDRAWN, Status.SUBMITTED, "owner"),
    ],
)
def test_moves_outside_the_table_are_refused(status, to, actor_kind):
    design = make_design(status=status)
    actor = design.owner if actor_kind == "owner" else make_staff(roles.INTAKE)
    before = design.events.count()
    with pytest.raises(services.TransitionNotAllowed):
        if to == Status.REGISTERED:
            services.register_design(design, by=actor)
        else:
            services.submit_design(design, by=actor)
    design.refresh_from_db()
    assert design.status == status
    assert design.events.count() == before


def test_merchant_cannot_review_and_others_cannot_submit():
    design = make_design(status=Status.SUBMITTED)
    with pytest.raises(services.NotPermitted):
        services.register_design(design, by=design.owner)
    draft = make_design()
    with pytest.raises(services.NotPermitted):
        services.submit_design(draft, by=make_user())
    assert FabricDesign.objects.get(pk=design.pk).status == Status.SUBMITTED
    assert FabricDesign.objects.get(pk=draft.pk).status == Status.DRAFT


def test_reason_is_required_for_return_reject_revoke():
    design = make_design(status=Status.SUBMITTED)
    with pytest.raises(services.DesignError, match="Give a reason"):
        services.reject_design(design, by=make_staff(roles.EXAMINER), reason="  ")
    registered = make_design(status=Status.REGISTERED)
    with pytest.raises(services.DesignError, match="Give a reason"):
        services.revoke_design(
            registered, by=make_staff(roles.ADMINISTRATOR), reason=""
        )
    assert FabricDesign.objects.get(pk=design.pk).status == Status.SUBMITTED
    assert FabricDesign.objects.get(pk=registered.pk).status == Status.REGISTERED


def test_only_the_administrator_revokes():
    design = make_design(status=Status.REGISTERED)
    with pytest.raises(services.NotPermitted):
        services.revoke_design(design, by=make_staff(roles.INTAKE), reason="抄袭")
    services.revoke_design(design, by=make_staff(roles.ADMINISTRATOR), reason="抄袭")
    design.refresh_from_db()
    assert design.status == Status.REVOKED
    assert design.events.last().note == "抄袭"


def test_update_design_replaces_images_and_keeps_a_primary(
    settings, django_capture_on_commit_callbacks
):
    design = make_design()
    old = design.images.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_design(
            design,
            by=design.owner,
            images=[make_clean_image(77)],
            remove_image_ids=[old.pk],
            title="新标题",
        )
    design.refresh_from_db()
    assert design.title == "新标题"
    new = design.images.get()
    assert new.is_primary
    assert not default_storage.exists(old.image.name)
    assert len(media_files(settings)) == 1


def test_update_refuses_registered_and_foreign_designs():
    registered = make_design(status=Status.REGISTERED)
    with pytest.raises(services.DesignError):
        services.update_design(registered, by=registered.owner, title="改")
    draft = make_design()
    with pytest.raises(services.NotPermitted):
        services.update_design(draft, by=make_user(), title="改")
    assert FabricDesign.objects.get(pk=draft.pk).title != "改"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_get_distinct_consecutive_numbers():
    reviewer = make_staff(roles.INTAKE)
    designs = [make_design(status=Status.SUBMITTED) for _ in range(8)]
    barrier = threading.Barrier(len(designs))
    errors = []

    def approve(design):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.register_design(design, by=reviewer)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=approve, args=(d,)) for d in designs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(FabricDesign.objects.values_list("registration_no", flat=True))
    year = FabricDesign.objects.first().registered_on.year
    assert numbers == [f"NTHT-{year}-{n:06d}" for n in range(1, 9)]
    assert RegistrationCounter.objects.get(year=year).last_number == 8
    assert DesignEvent.objects.filter(to_status=Status.REGISTERED).count() == 8
