"""Edit before approve and rule suggestions in the reviewer app, in a real Chromium."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from expacti import AsyncExpactiClient
from playwright.async_api import Page, expect

from tests.browser.test_reviewer_app import card, in_background, unique
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess


@pytest.fixture
async def agent(server: ServerProcess, org: OrgTokens) -> AsyncIterator[AsyncExpactiClient]:
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        yield client


async def test_a_reviewer_edits_a_command_and_approves_the_edited_text(
    reviewer_page: Page, agent: AsyncExpactiClient, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    page = reviewer_page
    original = unique("rm -rf /var/cache/app")
    edited = original.replace("rm -rf /var/cache/app", "rm -r /var/cache/app/tmp")
    waiting = await in_background(agent.run(original, raise_on_deny=False))
    found = card(page, original)
    await expect(found).to_be_visible()
    command_id = await found.get_attribute("data-command-id")

    await found.get_by_role("button", name="Edit & approve").click()
    dialog = page.get_by_role("dialog", name="Edit and approve")
    text = dialog.get_by_label("Command to run")
    await expect(text).to_have_value(original)
    await text.fill(edited)
    change = dialog.get_by_role("region", name="Change")
    await expect(change.locator("del")).to_contain_text(["-rf", "/var/cache/app"])
    await expect(change.locator("ins")).to_contain_text(["-r", "/var/cache/app/tmp"])
    await dialog.get_by_label("Note (optional)").fill("only the tmp dir")
    await dialog.get_by_role("button", name="Approve edited command").click()

    decision = await asyncio.wait_for(waiting, 10)
    assert decision.approved
    assert (decision.edited, decision.command, decision.original_command) == (
        True,
        edited,
        original,
    )
    await expect(card(page, original)).to_have_count(0)
    await expect(dialog).to_have_count(0)

    stored = (
        await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
    ).json()
    assert stored["decision"]["edited"] is True
    assert stored["decision"]["command"] == edited
    assert stored["decision"]["approvers"] == ["alice"]
    assert stored["approved_command"] == edited
    assert stored["command"] == original


async def test_edit_and_approve_by_keyboard_is_refused_for_nothing_changed(
    reviewer_page: Page, agent: AsyncExpactiClient
) -> None:
    page = reviewer_page
    command = unique("make deploy")
    waiting = await in_background(agent.run(command, raise_on_deny=False))
    found = card(page, command)
    await expect(found).to_have_attribute("aria-current", "true")
    await page.keyboard.press("e")
    dialog = page.get_by_role("dialog", name="Edit and approve")
    await expect(dialog.get_by_label("Command to run")).to_be_focused()
    await expect(dialog.get_by_role("button", name="Approve edited command")).to_be_disabled()
    await page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await found.get_by_role("button", name="Deny").click()
    assert not (await asyncio.wait_for(waiting, 10)).approved


async def test_accepting_a_suggested_rule_on_the_whitelist_page(
    reviewer_page: Page, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    page = reviewer_page
    marker = secrets.token_hex(3)
    for number in (1, 2, 3):
        submitted = await http.post(
            "/api/v1/commands",
            json={"request_id": f"build-{marker}-{number}", "command": f"rm /tmp/build-{number}"},
            headers=org.agent_headers(),
        )
        assert submitted.status_code == 201, submitted.text
        approved = await http.post(
            f"/api/v1/commands/{submitted.json()['id']}/approve",
            json={},
            headers=org.reviewer_headers(),
        )
        assert approved.status_code == 200, approved.text
    refreshed = await http.post("/api/v1/suggestions/refresh", headers=org.reviewer_headers())
    assert refreshed.status_code == 200, refreshed.text
    suggestions = refreshed.json()["items"]
    assert suggestions, "the server suggested nothing for three similar approvals"
    pattern = suggestions[0]["pattern"]

    await page.goto("/app/whitelist")
    section = page.get_by_role("region", name="Suggested rules")
    item = section.get_by_role("listitem").filter(
        has=page.locator(".sugg__pattern", has_text=pattern)
    )
    await expect(item).to_contain_text("approved 3\u00d7, denied 0")
    await item.get_by_label("Expires").select_option(label="After 7 days")
    await item.get_by_role("button", name="Accept suggested rule").click()
    await expect(section.get_by_role("status")).to_contain_text(f"Rule created: {pattern}")
    await expect(section.locator(".sugg__pattern", has_text=pattern)).to_have_count(0)
    rules_table = page.get_by_role("table")
    await expect(rules_table).to_contain_text(pattern)

    rules = (await http.get("/api/v1/whitelist", headers=org.reviewer_headers())).json()["items"]
    accepted = [r for r in rules if r["pattern"] == pattern]
    assert len(accepted) == 1
    assert accepted[0]["expires_at"] is not None
