"""The index follows design writes after commit, and is repaired by rebuild/reconcile."""

import io
import shutil

import pytest
from django.core.management import call_command
from whoosh.index import LockError

from accounts import roles
from designs import services as design_services
from designs.models import FabricDesign
from search import services, text
from tests.factories import make_clean_image, make_design, make_staff

pytestmark = pytest.mark.django_db

REGISTERED = FabricDesign.Status.REGISTERED


def titles(query, **kwargs):
    return [hit.design.title for hit in services.search_text(query, **kwargs).page]


def test_each_write_reaches_the_index_after_commit(
    search_backend, django_capture_on_commit_callbacks
):
    examiner = make_staff(roles.EXAMINER)
    with django_capture_on_commit_callbacks(execute=True):
        design = make_design(title="珊瑚绒毛毯")
    assert titles("珊瑚绒", user=design.owner) == ["珊瑚绒毛毯"]
    assert titles("珊瑚绒") == []  # a draft: not public

    with django_capture_on_commit_callbacks(execute=True):
        design_services.update_design(design, by=design.owner, title="牛奶绒毛毯")
    assert titles("珊瑚绒", user=design.owner) == []
    assert titles("牛奶绒", user=design.owner) == ["牛奶绒毛毯"]

    with django_capture_on_commit_callbacks(execute=True):
        design_services.submit_design(design, by=design.owner)
        design_services.register_design(design, by=examiner)
    assert titles("牛奶绒") == ["牛奶绒毛毯"]  # registered: public now

    with django_capture_on_commit_callbacks(execute=True):
        design_services.withdraw_design(design, by=design.owner)
    assert titles("牛奶绒") == []
    assert titles("牛奶绒", user=examiner) == ["牛奶绒毛毯"]

    with django_capture_on_commit_callbacks(execute=True):
        FabricDesign.objects.get(pk=design.pk).delete()
    assert titles("牛奶绒", user=examiner) == []
    assert design.pk not in search_backend.indexed()


def test_one_index_write_per_transaction(
    search_backend, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    original = search_backend.update
    monkeypatch.setattr(
        search_backend,
        "update",
        lambda docs, delete=(): calls.append(1) or original(docs, delete=delete),
    )
    with django_capture_on_commit_callbacks(execute=True):
        design_services.create_batch(
            owner=make_staff(),
            images=[make_clean_image(1), make_clean_image(2)],
            category="curtain",
            technique="print",
            authors="李四",
            created_on="2025-01-01",
        )
    assert len(calls) == 1


def test_index_failure_keeps_the_database_write_and_reconcile_repairs(
    search_backend, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(search_backend, "update", broken)
    with django_capture_on_commit_callbacks(execute=True):
        design = make_design(title="天丝凉席", status=REGISTERED)
    assert FabricDesign.objects.filter(pk=design.pk).exists()
    assert "Could not update the search index" in caplog.text
    assert titles("天丝") == []

    monkeypatch.undo()
    counts = text.reconcile(search_backend)
    assert counts["added"] == 1
    assert titles("天丝") == ["天丝凉席"]
    assert text.reconcile(search_backend) == {
        "rebuilt": 0,
        "added": 0,
        "refreshed": 0,
        "removed": 0,
    }


def test_reconcile_refreshes_stale_and_drops_deleted(search_backend):
    keep = make_design(title="亚麻桌布", status=REGISTERED)
    gone = make_design(title="亚麻窗帘", status=REGISTERED)
    text.rebuild(search_backend)
    FabricDesign.objects.filter(pk=keep.pk).update(
        title="真丝桌布", updated_at=keep.updated_at.replace(year=2030)
    )
    gone_pk = gone.pk
    gone.delete()  # no on_commit here: Whoosh keeps the stale entry (PostgreSQL cascades)
    out = io.StringIO()
    call_command("reconcile_index", stdout=out)
    assert "added 0, refreshed 1" in out.getvalue()
    assert sorted(search_backend.indexed()) == [keep.pk]
    assert gone_pk not in search_backend.indexed()
    assert titles("真丝") == ["真丝桌布"]
    assert titles("亚麻") == []


def test_rebuild_after_the_index_folder_is_deleted(settings):
    make_design(title="佩斯利花型被套", status=REGISTERED)
    call_command("rebuild_index", "--no-progress")
    assert titles("佩斯利") == ["佩斯利花型被套"]
    shutil.rmtree(settings.SEARCH_INDEX_DIR)
    assert titles("佩斯利") == []  # an empty index is created, not a crash
    call_command("rebuild_index", "--no-progress")
    assert titles("佩斯利") == ["佩斯利花型被套"]


def test_a_changed_dictionary_makes_reconcile_rebuild(settings, monkeypatch):
    make_design(title="宝相花桌旗", status=REGISTERED)
    backend = text.get_backend("whoosh")
    text.rebuild(backend)
    assert backend.analysis_current()
    monkeypatch.setattr("search.analysis.fingerprint", lambda: "changed")
    assert not backend.analysis_current()
    assert text.reconcile(backend)["rebuilt"] == 1
    assert backend.analysis_current()


def test_writer_lock_timeout_is_logged_not_raised(settings, caplog):
    settings.SEARCH_WRITER_TIMEOUT = 0.2
    backend = text.get_backend("whoosh")
    design = make_design(title="磨毛四件套", status=REGISTERED)
    holder = backend.index().writer()
    try:
        with pytest.raises(LockError):
            backend.update([text.document_for(design)])
        text.sync_designs([design.pk])
        assert "Could not update the search index" in caplog.text
    finally:
        holder.cancel()
    text.sync_designs([design.pk])
    assert titles("磨毛") == ["磨毛四件套"]


def test_searcher_is_reused_and_refreshed():
    backend = text.get_backend("whoosh")
    text.sync_designs([make_design(title="法兰绒", status=REGISTERED).pk])
    first = backend.searcher()
    assert backend.searcher() is first
    text.sync_designs([make_design(title="珊瑚绒", status=REGISTERED).pk])
    assert backend.searcher() is not first
