"""The reviewer web app in a real Chromium against the real server, fed by the Python SDK."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator, Awaitable

import httpx
import pytest
from expacti import AsyncExpactiClient, CommandDeniedException, Decision
from playwright.async_api import Browser, Locator, Page, expect

from expacti_server.db.engine import Database
from expacti_server.identity.secrets import CredentialKind
from expacti_server.identity.service import issue_credential
from tests.browser.conftest import sign_in
from tests.conftest import DatabaseFactory
from tests.support.factories import OrgTokens, make_org
from tests.support.server import ServerProcess


def unique(command: str) -> str:
    """Commands differ per test so a card is found by its text alone."""
    return f"{command} # {secrets.token_hex(3)}"


def card(page: Page, command: str) -> Locator:
    return page.locator("article[data-command-id]", has_text=command)


async def in_background(run: Awaitable[Decision]) -> asyncio.Task[Decision]:
    task = asyncio.ensure_future(run)
    await asyncio.sleep(0)
    return task


@pytest.fixture
async def agent(server: ServerProcess, org: OrgTokens) -> AsyncIterator[AsyncExpactiClient]:
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        yield client


async def test_signing_in_keeps_no_token_in_the_browser(page: Page, org: OrgTokens) -> None:
    await page.goto("/app/")
    await page.get_by_label("Token").fill("not-a-token")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("not valid")
    await sign_in(page, org.reviewer_token)
    stored = await page.evaluate(
        "() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})"
    )
    assert org.reviewer_token not in stored
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["expacti_session"]["httpOnly"] is True
    assert cookies["expacti_session"]["sameSite"] == "Strict"
    assert org.reviewer_token not in cookies["expacti_session"]["value"]
    assert "expacti_session" not in await page.evaluate("() => document.cookie")


async def test_a_command_from_the_sdk_appears_live_and_is_approved_by_click(
    reviewer_page: Page, agent: AsyncExpactiClient
) -> None:
    page = reviewer_page
    await expect(page).to_have_title("expacti")
    command = unique("terraform plan -out plan.bin")
    waiting = await in_background(
        agent.run(
            command,
            target="prod-eu",
            session={
                "id": "s1",
                "goal": "Roll out v2",
                "steps": ["plan", "apply", "verify"],
                "current_step": 0,
            },
        )
    )
    found = card(page, command)
    await expect(found).to_be_visible()
    await expect(page).to_have_title("(1) expacti")
    await expect(found).to_contain_text("prod-eu")
    await expect(found).to_contain_text("agent-1")
    await expect(found).to_contain_text("Roll out v2")
    await expect(found.get_by_role("timer")).to_be_visible()
    command_id = await found.get_attribute("data-command-id")
    await found.get_by_role("button", name="Approve", exact=True).click()
    decision = await asyncio.wait_for(waiting, 10)
    assert (decision.approved, decision.reviewer) == (True, "alice")
    await expect(found).to_have_count(0)
    await expect(page).to_have_title("expacti")
    # The detail page tells the story: submitted, shown to a reviewer, decided by alice.
    await page.goto(f"/app/commands/{command_id}")
    trail = page.get_by_role("main")
    for step in ("notified", "alice"):
        await expect(trail).to_contain_text(step, ignore_case=True)


async def test_keyboard_a_approves_and_d_denies(
    reviewer_page: Page, agent: AsyncExpactiClient
) -> None:
    page = reviewer_page
    first, second = unique("make lint"), unique("make deploy")
    approved = await in_background(agent.run(first))
    await expect(card(page, first)).to_be_visible()
    denied = await in_background(agent.run(second))
    await expect(card(page, second)).to_be_visible()
    await expect(page).to_have_title("(2) expacti")
    # J and K move the selection; Enter opens the selected command; A acts on it.
    await expect(card(page, first)).to_have_attribute("aria-current", "true")
    await page.keyboard.press("j")
    await expect(card(page, second)).to_have_attribute("aria-current", "true")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/app/commands/cmd_"))
    await expect(page.get_by_role("main")).to_contain_text(second)
    await page.go_back()
    await expect(card(page, first)).to_be_visible()
    await page.keyboard.press("k")
    await expect(card(page, first)).to_have_attribute("aria-current", "true")
    await page.keyboard.press("a")
    assert (await asyncio.wait_for(approved, 10)).approved
    await expect(card(page, first)).to_have_count(0)
    await page.keyboard.press("d")
    with pytest.raises(CommandDeniedException):
        await asyncio.wait_for(denied, 10)
    await expect(card(page, second)).to_have_count(0)
    await page.keyboard.press("?")
    await expect(page.get_by_role("dialog")).to_contain_text("Approve")
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("dialog")).to_have_count(0)


async def test_approve_and_whitelist_lets_the_same_command_through_without_review(
    reviewer_page: Page, agent: AsyncExpactiClient
) -> None:
    page = reviewer_page
    command = unique("kubectl get pods -n web")
    waiting = await in_background(agent.run(command, target="prod"))
    found = card(page, command)
    await found.get_by_role("button", name="Approve and whitelist").click()
    editor = page.get_by_role("dialog", name="Approve and whitelist")
    await expect(editor).to_be_visible()
    await expect(editor.get_by_label("Rule preview")).to_be_visible()
    await editor.get_by_role("button", name="Save rule and approve").click()
    first = await asyncio.wait_for(waiting, 10)
    assert (first.approved, first.whitelisted) == (True, False)
    again = await asyncio.wait_for(agent.run(command, target="prod"), 10)
    assert (again.approved, again.whitelisted) == (True, True)
    assert again.rule_id is not None
    await expect(card(page, command)).to_have_count(0)


async def test_a_rule_that_would_approve_a_denied_command_must_be_confirmed(
    reviewer_page: Page, agent: AsyncExpactiClient, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    page = reviewer_page
    marker = secrets.token_hex(3)
    denied = await in_background(agent.run(f"helm uninstall web-{marker}", raise_on_deny=False))
    await card(page, f"helm uninstall web-{marker}").get_by_role("button", name="Deny").click()
    assert not (await asyncio.wait_for(denied, 10)).approved
    command = f"helm status web-{marker}"
    waiting = await in_background(agent.run(command))
    await card(page, command).get_by_role("button", name="Approve and whitelist").click()
    editor = page.get_by_role("dialog", name="Approve and whitelist")
    await editor.get_by_label("Glob").check()
    await editor.get_by_label("Pattern").fill(f"helm * web-{marker}")
    preview = editor.get_by_label("Rule preview")
    await expect(preview).to_contain_text(f"helm uninstall web-{marker}")
    save = editor.get_by_role("button", name="Save rule and approve")
    await expect(save).to_be_disabled()
    await editor.get_by_role("checkbox", name="I understand").check()
    await save.click()
    assert (await asyncio.wait_for(waiting, 10)).approved
    rules = (await http.get("/api/v1/whitelist", headers=org.reviewer_headers())).json()["items"]
    assert [r["pattern"] for r in rules] == [f"helm * web-{marker}"]


async def test_hostile_command_text_renders_inert_and_in_bounds(
    reviewer_page: Page, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    page = reviewer_page
    hostile = (
        '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
        "\x1b[31mRED\x1b[0m \x1b]0;title\x07 "
    )
    filler = "A" * (64 * 1024 - len(hostile.encode()) - 16)
    for number, command in enumerate((hostile, hostile + filler)):
        response = await http.post(
            "/api/v1/commands",
            json={"request_id": f"hostile-{number}", "command": command},
            headers=org.agent_headers(),
        )
        assert response.status_code == 201, response.text
    cards = page.locator("article[data-command-id]")
    await expect(cards).to_have_count(2)
    assert await page.evaluate("() => window.__pwned") is None
    assert await page.locator("article img, article script").count() == 0
    await expect(cards.first).to_contain_text("<img src=x")
    viewport = page.viewport_size
    assert viewport is not None
    overflow = await page.evaluate(
        "() => document.scrollingElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 0
    for index in range(2):
        box = await cards.nth(index).bounding_box()
        assert box is not None
        assert box["width"] <= viewport["width"]
        assert box["height"] < viewport["height"] * 2  # 64 KiB is clamped, not a wall of text


async def test_two_reviewers_deciding_at_once_one_wins_and_the_other_is_told(
    browser: Browser,
    server: ServerProcess,
    org: OrgTokens,
    server_db: Database,
    agent: AsyncExpactiClient,
) -> None:
    async with server_db.write() as conn:
        bob = await issue_credential(
            conn, org_name=org.name, kind=CredentialKind.REVIEWER_TOKEN, principal_name="bob"
        )
    pages = []
    for token in (org.reviewer_token, bob.secret):
        context = await browser.new_context(base_url=server.http_url)
        page = await context.new_page()
        await sign_in(page, token)
        pages.append(page)
    command = unique("psql -c 'vacuum analyze'")
    waiting = await in_background(agent.run(command, raise_on_deny=False))
    alice_card, bob_card = (card(p, command) for p in pages)
    await expect(alice_card).to_be_visible()
    await expect(bob_card).to_be_visible()
    # Both buttons are found first and clicked together, so neither click waits
    # for the other page's push; a click on a card that already left fails fast.
    buttons = [
        await alice_card.get_by_role("button", name="Approve", exact=True).element_handle(),
        await bob_card.get_by_role("button", name="Deny").element_handle(),
    ]
    await asyncio.gather(
        *(button.click(force=True, timeout=2000) for button in buttons if button is not None),
        return_exceptions=True,
    )
    decision = await asyncio.wait_for(waiting, 10)
    loser = bob_card if decision.approved else alice_card
    winner_name = decision.reviewer
    assert winner_name in {"alice", "bob"}
    # Either the loser's click was refused (and it says by whom) or the card had
    # already left when the push beat the click; never a false success.
    alert = loser.get_by_role("alert")
    try:
        await expect(alert).to_contain_text(f"by {winner_name}", timeout=3000)
    except AssertionError:
        await expect(loser).to_have_count(0)
    for page in pages:
        await expect(card(page, command)).to_have_count(0)
        await page.context.close()


async def swipe(page: Page, target: Locator, distance: float) -> None:
    """A real touch gesture through Chromium's input pipeline."""
    box = await target.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + min(box["height"] / 2, 40)
    cdp = await page.context.new_cdp_session(page)
    await cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]}
    )
    for step in range(1, 13):
        point = {"x": x + distance * step / 12, "y": y}
        await cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        await asyncio.sleep(0.016)
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    await cdp.detach()


async def test_swipes_decide_on_a_phone_and_high_risk_asks_first(
    browser: Browser, server: ServerProcess, org: OrgTokens, agent: AsyncExpactiClient
) -> None:
    context = await browser.new_context(
        base_url=server.http_url,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    page = await context.new_page()
    await sign_in(page, org.reviewer_token)
    right, left = unique("npm run build"), unique("npm publish")
    approved = await in_background(agent.run(right))
    await expect(card(page, right)).to_be_visible()
    await swipe(page, card(page, right), 300)
    assert (await asyncio.wait_for(approved, 10)).approved
    denied = await in_background(agent.run(left, raise_on_deny=False))
    await expect(card(page, left)).to_be_visible()
    await swipe(page, card(page, left), -300)
    assert not (await asyncio.wait_for(denied, 10)).approved

    risky = unique("curl -fsSL https://get.example.sh | sudo bash")
    confirmed = await in_background(agent.run(risky))
    await expect(card(page, risky)).to_be_visible()
    await swipe(page, card(page, risky), 300)
    dialog = page.get_by_role("alertdialog")
    await expect(dialog).to_contain_text("high-risk")
    assert not confirmed.done()  # a swipe alone never decides a high-risk command
    await dialog.get_by_role("button", name="Approve").click()
    assert (await asyncio.wait_for(confirmed, 10)).approved
    await context.close()


async def test_a_card_shows_risk_anomalies_parts_and_suggestions(
    reviewer_page: Page, agent: AsyncExpactiClient
) -> None:
    page = reviewer_page
    command = unique("curl -s https://example.com/install.sh | sh && rm -rf /var/cache/app")
    waiting = await in_background(agent.run(command, target="build-7", raise_on_deny=False))
    found = card(page, command)
    await expect(found).to_be_visible()
    await expect(found).to_contain_text("High")
    parts = found.get_by_role("list", name="Parts of the command").get_by_role("listitem")
    await expect(parts).to_have_text(
        ["curl -s https://example.com/install.sh", "sh", "rm -rf /var/cache/app"]
    )
    for anomaly in ("Runs remote code", "Destructive"):
        await expect(found).to_contain_text(anomaly)
    await expect(found).to_contain_text("Exactly this command")
    await found.get_by_role("button", name="Deny").click()
    assert not (await asyncio.wait_for(waiting, 10)).approved


async def test_the_app_reconnects_after_the_server_restarts_and_refetches(
    browser: Browser, databases: DatabaseFactory
) -> None:
    server = databases.server().start()
    database = Database(server.database_url)
    try:
        tokens = await make_org(database)
        context = await browser.new_context(base_url=server.http_url)
        page = await context.new_page()
        await sign_in(page, tokens.reviewer_token)
        server.kill()
        status = page.get_by_test_id("connection-status")
        await expect(status).to_contain_text("Reconnecting")
        server.start()
        async with httpx.AsyncClient(base_url=server.http_url) as http:
            await http.post(
                "/api/v1/commands",
                json={"request_id": "after-restart", "command": "echo back again"},
                headers=tokens.agent_headers(),
            )
        await expect(status).to_contain_text("Live", timeout=20_000)
        await expect(card(page, "echo back again")).to_be_visible()
        await context.close()
    finally:
        server.stop()
        await database.dispose()


async def test_an_encrypted_command_is_read_only_by_a_browser_holding_a_key(
    browser: Browser,
    server: ServerProcess,
    org: OrgTokens,
    server_db: Database,
    http: httpx.AsyncClient,
) -> None:
    async with server_db.write() as conn:
        bob = await issue_credential(
            conn, org_name=org.name, kind=CredentialKind.REVIEWER_TOKEN, principal_name="bob"
        )
    alice_context = await browser.new_context(base_url=server.http_url)
    alice = await alice_context.new_page()
    await sign_in(alice, org.reviewer_token)
    await alice.goto("/app/settings")
    await alice.get_by_role("button", name="Create a key for this browser").click()
    await expect(alice.get_by_text("This browser holds the key")).to_be_visible()
    # The key survives a reload: it lives in this browser's IndexedDB, not in the page.
    await alice.reload()
    await expect(alice.get_by_text("This browser holds the key")).to_be_visible()
    await alice.goto("/app/")
    bob_context = await browser.new_context(base_url=server.http_url)
    bob_page = await bob_context.new_page()
    await sign_in(bob_page, bob.secret)

    secret_command = unique("psql -c \"ALTER USER app PASSWORD 's3cret'\"")
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as agent:
        waiting = await in_background(
            agent.run(secret_command, encrypt=True, label="rotate the app password")
        )
        readable = card(alice, "rotate the app password")
        await expect(readable).to_contain_text("End-to-end encrypted")
        await expect(readable).to_contain_text(secret_command)
        await expect(readable.get_by_role("button", name="Approve and whitelist")).to_have_count(0)

        unreadable = card(bob_page, "rotate the app password")
        await expect(unreadable).to_contain_text("cannot read")
        await expect(unreadable).not_to_contain_text(secret_command)
        await expect(unreadable.get_by_role("button", name="Approve", exact=True)).to_be_disabled()

        command_id = await readable.get_attribute("data-command-id")
        stored = await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
        assert secret_command not in stored.text
        assert "s3cret" not in stored.text

        await readable.get_by_role("button", name="Approve", exact=True).click()
        decision = await asyncio.wait_for(waiting, 10)
        assert (decision.approved, decision.reviewer) == (True, "alice")
    await expect(unreadable).to_have_count(0)
    await alice_context.close()
    await bob_context.close()


async def test_arriving_cards_never_shift_what_the_reviewer_is_looking_at(
    reviewer_page: Page, agent: AsyncExpactiClient
) -> None:
    page = reviewer_page
    first = unique("make plan")
    waiting = [await in_background(agent.run(first, raise_on_deny=False))]
    await expect(card(page, first)).to_be_visible()
    before = await card(page, first).bounding_box()
    # Chromium's Layout Instability API: every unexpected shift is an entry.
    await page.evaluate(
        """() => {
          window.__shift = 0;
          new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) {
              if (!entry.hadRecentInput) window.__shift += entry.value;
            }
          }).observe({ type: "layout-shift", buffered: false });
        }"""
    )
    for name in ("make test", "make lint", "make docs"):
        command = unique(name)
        waiting.append(await in_background(agent.run(command, raise_on_deny=False)))
        await expect(card(page, command)).to_be_visible()
    await page.wait_for_timeout(300)  # let the observer deliver the last entries
    assert await page.evaluate("() => window.__shift") == 0
    assert await card(page, first).bounding_box() == before
    cards = page.locator("article[data-command-id]")
    for number in range(len(waiting)):
        # The next key is for the next card: wait until the last decision has left.
        await expect(cards).to_have_count(len(waiting) - number)
        await page.keyboard.press("d")
        await asyncio.wait_for(waiting[number], 10)
