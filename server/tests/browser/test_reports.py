"""The Reports screen in a real Chromium against the real server: a compliance report
downloaded as a PDF, its summary on screen, the audit chain verified, the audit log exported."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.test_accessibility import describe, violations
from tests.support.factories import OrgTokens

HEX64 = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture
async def history(http: httpx.AsyncClient, org: OrgTokens) -> None:
    """A little to report on: two commands, one approved and one denied."""
    for verb, command in (("approve", "terraform plan"), ("deny", "rm -rf /srv/data")):
        submitted = await http.post(
            "/api/v1/commands",
            json={"request_id": f"report-{secrets.token_hex(4)}", "command": command},
            headers=org.agent_headers(),
        )
        assert submitted.status_code == 201, submitted.text
        decided = await http.post(
            f"/api/v1/commands/{submitted.json()['id']}/{verb}", headers=org.reviewer_headers()
        )
        assert decided.status_code == 200, decided.text


def utc_days() -> tuple[str, str]:
    """Yesterday and today in UTC: the report's days hold what the fixture just did."""
    today = datetime.now(UTC).date()
    return (today - timedelta(days=1)).isoformat(), today.isoformat()


async def choose_days(page: Page, start: str, end: str) -> None:
    await page.get_by_label("From").fill(start)
    await page.get_by_label("To").fill(end)


async def test_the_reports_page_downloads_a_pdf_report(reviewer_page: Page, history: None) -> None:
    page = reviewer_page
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    await expect(page.get_by_role("heading", level=1, name="Reports")).to_be_visible()
    start, end = utc_days()
    await choose_days(page, start, end)
    await page.get_by_label("Framework").select_option(label="ISO 27001")
    await expect(page.get_by_role("radio", name="PDF")).to_be_checked()

    async with page.expect_download() as info:
        await page.get_by_role("button", name="Download report").click()
    download = await info.value
    assert download.suggested_filename == f"expacti-iso27001-{start}-{end}.pdf"
    body = (await download.path()).read_bytes()
    assert body.startswith(b"%PDF-"), body[:32]
    await expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text(
        download.suggested_filename
    )


async def test_the_json_summary_shows_each_control_with_its_evidence_status(
    reviewer_page: Page, history: None
) -> None:
    page = reviewer_page
    await page.goto("/app/reports")
    start, end = utc_days()
    await choose_days(page, start, end)
    await page.get_by_role("radio", name="JSON").check()
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Download report").click()
    report = json.loads((await (await info.value).path()).read_text())

    table = page.get_by_role("table", name="Controls and their evidence")
    await expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    await expect(rows).to_have_count(len(report["controls"]))
    first = report["controls"][0]
    await expect(rows.first).to_contain_text(first["id"])
    await expect(rows.first).to_contain_text(first["status"])
    figure = page.locator(".report-summary__figure", has_text="Commands submitted")
    await expect(figure).to_contain_text(str(report["summary"]["commands_submitted"]))


async def test_verifying_the_audit_chain_shows_records_and_head_hash(
    reviewer_page: Page, history: None, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    page = reviewer_page
    await page.goto("/app/reports")
    await page.get_by_role("button", name="Verify audit chain").click()
    await expect(page.get_by_text("The audit chain is intact.")).to_be_visible()
    checked = (await http.post("/api/v1/audit/verify", headers=org.reviewer_headers())).json()
    assert checked["ok"] is True
    records = page.locator("dt", has_text="Records checked").locator(
        "xpath=following-sibling::dd[1]"
    )
    # A later check may count more records, never fewer.
    assert int((await records.inner_text()).replace(",", "")) <= checked["records"]
    head = page.locator("dt", has_text="Head hash").locator("xpath=following-sibling::dd[1]")
    await expect(head).to_have_text(HEX64)


async def test_the_audit_log_exports_the_reports_days(reviewer_page: Page, history: None) -> None:
    page = reviewer_page
    await page.goto("/app/reports")
    start, end = utc_days()
    await choose_days(page, start, end)
    await page.get_by_label("Export format").select_option(label="JSON Lines")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Export audit log").click()
    download = await info.value
    assert download.suggested_filename.endswith(".jsonl")
    lines = (await download.path()).read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert records, "the fixture's commands left audit records in the range"
    assert {"seq", "prev_hash", "hash", "action"} <= set(records[0])
    assert [r["seq"] for r in records] == sorted(r["seq"] for r in records)


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_reports_screen_passes_axe_in_both_themes(
    reviewer_page: Page, history: None, scheme: Literal["light", "dark"]
) -> None:
    page = reviewer_page
    await page.emulate_media(color_scheme=scheme)
    await page.goto("/app/reports")
    await page.get_by_role("button", name="Show summary").click()
    await expect(page.get_by_role("table", name="Controls and their evidence")).to_be_visible()
    await page.get_by_role("button", name="Verify audit chain").click()
    await expect(page.get_by_text("The audit chain is intact.")).to_be_visible()
    found = await violations(page)
    assert found == [], describe(found)
