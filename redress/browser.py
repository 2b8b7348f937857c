"""Pytest plugin: browser tests with Playwright driving the system's Chromium.

Use the `page` fixture together with pytest-django's live server; the page's base URL is the live server's,
so `page.goto("/healthz")` works, and the `log_in` fixture starts a session without the login form:

    def test_register_shows_new_case(page, log_in, bank):
        log_in(bank.teller)
        page.goto("/cases/")

Playwright's own browser downloads are not used (the machines that run Redress have no such access): the
browser is Debian's `chromium` package, found at `REDRESS_CHROMIUM`, /usr/bin/chromium or on PATH. Where no
Chromium is installed a browser test is skipped with the reason, except under CI (`CI=true`), where a missing
browser is a failure: the CI run must prove the browser tests, not quietly skip them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from redress.organisation.models import Staff

CHROMIUM_ARGS = [
    # CI runs as root, where Chromium's sandbox refuses to start.
    "--no-sandbox",
    "--disable-gpu",
    # The machines have no outside network: keep Chromium from trying to reach it.
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = "apt-get install chromium fonts-noto-cjk"


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def find_chromium() -> Path | None:
    """The Chromium executable to drive, or None when none is installed."""
    configured = os.environ.get("REDRESS_CHROMIUM")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def _unavailable(reason: str) -> None:
    if under_ci():
        pytest.fail(f"{reason}; CI=true requires the browser tests to run ({INSTALL_HINT})", pytrace=False)
    pytest.skip(f"{reason} ({INSTALL_HINT} to run the browser tests)")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium per test process."""
    executable = find_chromium()
    if executable is None:
        _unavailable("no Chromium found (looked at $REDRESS_CHROMIUM, /usr/bin/chromium and PATH)")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")

    # Playwright's sync API keeps an asyncio loop running in this thread, which makes Django refuse ORM
    # calls as "from an async context" although every call here is synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        except Error as exc:
            _unavailable(f"Chromium at {executable} did not start: {exc.message.splitlines()[0]}")
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium: Browser, live_server) -> Iterator[Page]:
    """A fresh browser tab (own cookies) whose relative URLs go to the live server, in Beijing time."""
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def log_in(page: Page, live_server) -> Callable[[Staff], None]:
    """`log_in(staff)` gives the page a logged-in session for that staff member, as the login form would."""
    from django.conf import settings
    from django.test import Client

    def _log_in(staff: Staff) -> None:
        client = Client()
        client.force_login(staff)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return _log_in


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every test driving the browser is selectable (and deselectable) with `-m browser`.
    for item in items:
        if "page" in getattr(item, "fixturenames", ()) or "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
