"""Browser fixtures: one headless Chromium for the session, a fresh context per test.

The browser is Debian's Chromium, driven by Playwright (never ``playwright install``).
Without it the tests skip, unless ``ESCALADE_REQUIRE_BROWSER=1`` makes its absence a failure
(CI sets it so that a missing browser cannot pass unnoticed).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.factories import PASSWORD
from tests.incidents.conftest import routes  # noqa: F401  (fixture: queues and routing rules)

# Playwright's sync API runs an event loop in the main thread; Django then refuses database
# access from "async" code unless told this is safe (it is: each test is synchronous).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("ESCALADE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Set to a directory to keep a screenshot of each page the tests look at.
SCREENSHOT_DIR = os.environ.get("ESCALADE_SCREENSHOT_DIR", "")


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"Chromium is not installed at {CHROMIUM} (Debian package 'chromium')."
    if os.environ.get("ESCALADE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message} ESCALADE_REQUIRE_BROWSER=1 requires the browser tests to run.")
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def open_page(browser: Browser, base_url: str, *, javascript: bool) -> tuple[Page, BrowserContext]:
    context = browser.new_context(
        base_url=base_url,
        locale="en-GB",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=javascript,
    )
    context.set_default_timeout(10_000)
    return context.new_page(), context


@pytest.fixture
def page(chromium: Browser, live_server: LiveServer) -> Iterator[Page]:
    page, context = open_page(chromium, live_server.url, javascript=True)
    yield page
    context.close()


@pytest.fixture
def page_without_js(chromium: Browser, live_server: LiveServer) -> Iterator[Page]:
    """The console must work with JavaScript off: every action is a plain link or form."""
    page, context = open_page(chromium, live_server.url, javascript=False)
    yield page
    context.close()


def sign_in(page: Page, username: str) -> None:
    """Through the login form, as a person would."""
    page.goto("/")
    snapshot(page, "0-login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def snapshot(page: Page, name: str) -> None:
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)
