import pytest


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
