"""Playwright driving Debian's Chromium against pytest-django's live server.

`playwright install` cannot download browsers here, so we launch /usr/bin/chromium
(installed by .ci/run under CI=true). Without it the tests skip, except under CI=true.
"""

import contextlib
import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("IPCENTER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return (
            f"{CHROMIUM} is not installed (apt-get install chromium fonts-wqy-microhei)"
        )
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@contextlib.contextmanager
def _async_unsafe_allowed():
    # Playwright's sync API keeps an event loop running in this thread while it is
    # open; the ORM calls the tests make (factories, asserts, database teardown) are
    # still plain synchronous code. Only while a browser module runs, so the variable
    # never leaks into other tests' subprocesses (check --deploy refuses it).
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if old is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Browser tests must run under CI=true, but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with _async_unsafe_allowed(), sync_playwright() as p:
        # launch() gives Chromium a new temporary profile (user-data-dir) every run:
        # no cookies, cache or extensions carry over; contexts below isolate each test.
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in a new incognito-like context (fresh cookies) of the given size."""
    contexts = []

    def _open(size: dict = DESKTOP, locale: str = "zh-CN"):
        context = browser.new_context(base_url=live_server.url, locale=locale, **size)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
