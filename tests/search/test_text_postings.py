"""The PostgreSQL backend's postings and word counts stay in step with the documents."""

import pytest
from django.db import connection

from accounts import roles
from designs import services as design_services
from designs.models import FabricDesign
from search import services, text
from search.models import TextDocument, TextPosting, TextTerm
from search.text_pg import IMPACT_SCALE, impact
from tests.factories import make_design, make_staff, make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the postgres search backend needs a PostgreSQL database",
    ),
]

REGISTERED = FabricDesign.Status.REGISTERED


@pytest.fixture
def backend(settings):
    settings.SEARCH_BACKEND = "postgres"
    return text.get_backend("postgres")


def postings(design) -> dict[str, bool]:
    return dict(
        TextPosting.objects.filter(design_id=design.pk).values_list("term", "public")
    )


def counts(term: str) -> tuple[int, int]:
    row = TextTerm.objects.filter(term=term).values_list("designs", "public_designs")
    return row.first() or (0, 0)


def assert_counts_match_postings() -> None:
    """Every word's counters equal its postings, counted the slow way."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term, count(*), count(*) FILTER (WHERE public) "
            "FROM search_textposting GROUP BY term"
        )
        expected = {term: (n, public) for term, n, public in cursor}
    stored = {
        term: (n, public)
        for term, n, public in TextTerm.objects.values_list(
            "term", "designs", "public_designs"
        )
        if n or public
    }
    assert stored == expected


def test_postings_follow_each_write(backend, django_capture_on_commit_callbacks):
    examiner = make_staff(roles.EXAMINER)
    with django_capture_on_commit_callbacks(execute=True):
        design = make_design(title="珊瑚绒毛毯")
    assert postings(design)["珊瑚绒"] is False
    assert counts("珊瑚绒") == (1, 0)
    assert TextTerm.objects.get(term="珊瑚绒").pinyin == "shanhurong"

    with django_capture_on_commit_callbacks(execute=True):
        design_services.update_design(design, by=design.owner, title="牛奶绒毛毯")
    assert "珊瑚绒" not in postings(design)
    assert counts("珊瑚绒") == (0, 0)
    assert counts("牛奶绒") == (1, 0)

    with django_capture_on_commit_callbacks(execute=True):
        design_services.submit_design(design, by=design.owner)
        design_services.register_design(design, by=examiner)
    assert set(postings(design).values()) == {True}
    assert counts("牛奶绒") == (1, 1)

    with django_capture_on_commit_callbacks(execute=True):
        design_services.withdraw_design(design, by=design.owner)
    assert set(postings(design).values()) == {False}
    assert counts("牛奶绒") == (1, 0)
    assert_counts_match_postings()

    pk = design.pk
    with django_capture_on_commit_callbacks(execute=True):
        FabricDesign.objects.get(pk=pk).delete()
    assert not TextPosting.objects.filter(design_id=pk).exists()
    assert not TextDocument.objects.filter(design_id=pk).exists()
    assert counts("牛奶绒") == (0, 0)
    assert_counts_match_postings()


def test_rebuild_replaces_postings_and_counts(backend):
    kept = make_design(title="亚麻桌布", status=REGISTERED)
    make_design(title="亚麻窗帘")
    # A stale posting and a wrong counter, as a crash between versions might leave.
    TextPosting.objects.create(term="幽灵", design_id=kept.pk, impact=1, public=True)
    TextTerm.objects.create(term="亚麻", pinyin="yama", designs=9, public_designs=9)

    assert text.rebuild(backend) == 2

    assert "幽灵" not in postings(kept)
    assert counts("亚麻") == (2, 1)
    assert TextDocument.objects.count() == 2
    assert_counts_match_postings()
    assert backend.analysis_current()


def test_documents_without_postings_make_reconcile_rebuild(backend):
    make_design(title="宝相花桌旗", status=REGISTERED)
    text.rebuild(backend)
    TextPosting.objects.all().delete()  # as after migrating to postings
    assert not backend.analysis_current()
    assert text.reconcile(backend)["rebuilt"] == 1
    assert services.search_text("宝相花").total == 1


def test_impact_is_ts_rank_of_the_word(backend):
    design = make_design(title="牡丹被套", description="牡丹花型", status=REGISTERED)
    text.sync_designs([design.pk])
    with connection.cursor() as cursor:
        # The title and body words only: ts_rank would also count the bigram 牡丹.
        cursor.execute(
            "SELECT ts_rank('{0.05, 0.2, 0.4, 1.0}', "
            "setweight(to_tsvector('simple', title_words), 'A') "
            "|| setweight(to_tsvector('simple', body_words), 'B'), "
            "to_tsquery('simple', '牡丹')) FROM search_textdocument "
            "WHERE design_id = %s",
            [design.pk],
        )
        expected = cursor.fetchone()[0]
    stored = TextPosting.objects.get(design_id=design.pk, term="牡丹").impact
    assert stored / IMPACT_SCALE == pytest.approx(expected, abs=1e-4)
    assert impact([1.0]) > impact([0.4, 0.4]) > impact([0.4])


def test_one_word_total_comes_from_the_counter(backend, django_assert_num_queries):
    owner = make_user()
    for _ in range(3):
        make_design(title="团花抱枕", status=REGISTERED)
    make_design(owner=owner, title="团花靠垫")
    text.rebuild(backend)
    plan = text.build_plan("团花")
    public = text.run_search(backend, plan, scope=text.PUBLIC, filters=text.Filters())
    assert public.total == 3
    mine = text.run_search(
        backend, plan, scope=text.Scope(owner_id=owner.pk), filters=text.Filters()
    )
    assert mine.total == 4
    staff = text.run_search(
        backend, plan, scope=text.Scope(everything=True), filters=text.Filters()
    )
    assert staff.total == 4
    # Pinyin and registration-number lookups, the page of postings, the counter.
    with django_assert_num_queries(3):
        backend.run(
            plan,
            fallback=False,
            scope=text.PUBLIC,
            filters=text.Filters(),
            offset=0,
            limit=20,
            facets=False,
        )
