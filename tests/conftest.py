import os

import pytest
from hypothesis import settings as hypothesis_settings

# CI judges a commit once, on a clean clone: the property tests draw the same examples
# there every run, so a verdict belongs to the commit and not to the draw. Locally they
# keep exploring new examples (and replay any failure from .hypothesis/).
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    """Every test writes media and search indexes under its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"
    from django.core.cache import cache

    cache.clear()


class _Clock:
    """The rate limiter's clock, pinned: its window is per minute of wall time, so a test
    whose requests straddled a minute boundary was counted in two windows and failed."""

    def __init__(self) -> None:
        self.now = 29_000_000 * 60 + 5.0  # 5 s into a minute

    def time(self) -> float:
        return self.now


@pytest.fixture
def limiter_clock(monkeypatch):
    from search import ratelimit

    clock = _Clock()
    monkeypatch.setattr(ratelimit, "time", clock)
    return clock
