"""Prior-art warnings and watch alerts through the real image search (no fakes)."""

import datetime

import numpy as np
import pytest

from accounts import roles
from dashboard import prior_art, watch
from designs import services as design_services
from designs.images import clean_image_bytes
from designs.models import FabricDesign
from search import match_suite as suite
from search import matching
from tests.factories import make_staff, make_user
from tests.search.test_match import PATTERNS, pattern, png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_index():
    matching.reset_index()
    yield
    matching.reset_index()


def _design(data: bytes, owner, capture, *, register: bool) -> FabricDesign:
    with capture(execute=True):
        design = design_services.create_design(
            owner=owner,
            images=[clean_image_bytes(data, name="p.png")],
            title="花型",
            category="bedding_set",
            technique="print",
            authors="张三",
            created_on=datetime.date(2025, 3, 1),
        )
        design = design_services.submit_design(design, by=owner)
        if register:
            design = design_services.register_design(
                design, by=make_staff(roles.INTAKE)
            )
    return design


def test_a_mirrored_recoloured_copy_warns_the_reviewer_and_alerts_the_watcher(
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    owner = make_user()
    original = _design(
        (PATTERNS / "hero-leaf.png").read_bytes(), owner, capture, register=True
    )
    _design(
        (PATTERNS / "hero-floatingCogs.png").read_bytes(),
        make_user(),
        capture,
        register=True,
    )
    watch.watch_design(original, by=owner)
    copier = make_user()
    altered = png(
        suite.duotone(pattern("hero-leaf.png"), np.random.default_rng(5))[:, ::-1]
    )
    copy = _design(altered, copier, capture, register=False)

    hits = prior_art.similar_registered(copy)
    assert [h.design_id for h in hits] == [original.pk]
    assert "mirrored" in (hits[0].alteration or "")

    design_services.register_design(copy, by=make_staff(roles.EXAMINER))
    alerts = watch.scan_registrations()
    assert [
        (a.watch.design_id, a.matched_design_id)
        for a in alerts
        if a.matched_design_id == copy.pk
    ] == [(original.pk, copy.pk)]


def test_an_unrelated_design_raises_no_warning(django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    _design(
        (PATTERNS / "hero-leaf.png").read_bytes(), make_user(), capture, register=True
    )
    unrelated = _design(
        (PATTERNS / "hero-pieFactory.png").read_bytes(),
        make_user(),
        capture,
        register=False,
    )
    assert prior_art.similar_registered(unrelated) == []
