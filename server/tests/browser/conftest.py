"""A real headless Chromium (Debian's) driven by Playwright against the real server.

Browser tests run on SQLite only: what they check is the web app, and the
database paths under it are covered on both backends by the e2e suite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from expacti_server.webapp.routes import DIST
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session", params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not (DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web` (make test does)")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps (make test does)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture
async def context(browser: Browser, server: ServerProcess) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(
        base_url=server.http_url, viewport={"width": 1280, "height": 860}
    )
    yield context
    await context.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    page = await context.new_page()
    page.set_default_timeout(10_000)
    return page


async def sign_in(page: Page, token: str) -> None:
    """Through the sign-in form, exactly as a reviewer does."""
    await page.goto("/app/")
    await page.get_by_label("Token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await (
        page.get_by_role("list", name="Pending commands")
        .or_(page.get_by_text("No commands waiting"))
        .first.wait_for()
    )
    await page.get_by_test_id("connection-status").filter(has_text="Live").wait_for()


@pytest.fixture
async def reviewer_page(page: Page, org: OrgTokens) -> Page:
    await sign_in(page, org.reviewer_token)
    return page
