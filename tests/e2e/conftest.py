"""End-to-end fixtures: a real `parley serve --workers 2` on a private redis-server, and
Debian's Chromium driven by Playwright (never a browser Playwright downloads itself)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from tests.parley_server import ParleyServer, running_parley
from tests.redis_server import RedisServer, running_redis

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root
    "--disable-gpu",
    # This machine's network is closed: without these, Chromium's own background
    # connections are refused over and over, and slow every start.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def chromium_path() -> str:
    """Debian's Chromium (PARLEY_CHROMIUM overrides); scripts/test installs it."""
    for candidate in (os.environ.get("PARLEY_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "no Chromium: scripts/test installs Debian's chromium (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Server:
    """A running `parley serve --workers 2` and the private Redis it uses."""

    parley: ParleyServer
    redis: RedisServer

    @property
    def url(self) -> str:
        return self.parley.url

    def log(self) -> str:
        return self.parley.log()

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


# Module scope, not session: while sync Playwright runs, its event loop counts as running
# in this thread, and every asyncio test after it would fail to start its own loop.
@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """`parley serve --workers 2` on a private Redis: every poll may land on either worker."""
    with (
        running_redis() as redis_server,
        running_parley(
            redis_server.url,
            workers=2,
            PARLEY_PROGRESS_INTERVAL_SECONDS="0.1",  # more steps for the bar to show
        ) as (parley,),
    ):
        yield Server(parley, redis_server)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class Tab:
    """A page in a fresh browser profile, with what the browser complained about."""

    page: Page
    errors: list[str]

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def tab(browser: Browser, server: Server) -> Iterator[Tab]:
    """A new context (its own localStorage) at desktop size; fails the test on any page
    error or console error (a CSP violation is one)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=server.url, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # An HTTP error the page handles (a 400 for a bad file, a 404 for an expired
        # result) is logged by Chromium too; those are expected, anything else is not.
        expected = message.text.startswith("Failed to load resource: the server responded")
        if message.type == "error" and not expected:
            errors.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    try:
        yield Tab(page, errors)
    finally:
        context.close()


# An end-to-end test starts servers, browsers and analyses: a few seconds each on an idle
# machine, many times that on a busy CI machine. Their own waits have deadlines of their
# own; this is only the hang guard, above pytest's 60 s for the rest of the suite.
E2E_TIMEOUT_SECONDS = 300


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(E2E_TIMEOUT_SECONDS))
