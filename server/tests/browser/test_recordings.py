"""Terminal recordings in the reviewer app, in a real Chromium against the real server.

The recordings are made the way an SDK makes them: an agent submits a command
over the agent WebSocket, a reviewer approves it, and the agent sends the
``exec_start`` / ``exec_output`` / ``exec_end`` frames of the run itself.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.test_accessibility import describe, violations
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess

BUILD = "make build"
DEPLOY = "make deploy --canary"
# The deploy starts where the build's output ended (3 s in): "0:03" on any machine.
JUMP_TO_DEPLOY = re.compile(rf"^Jump to 0:0[3-9] {re.escape(DEPLOY)}$")


@dataclass(frozen=True)
class Seeded:
    recording_id: str
    commands: list[str]


async def approved(
    agent: RawAgent, http: httpx.AsyncClient, org: OrgTokens, command: str, session: dict[str, Any]
) -> str:
    """Submit over the agent socket; approve as the reviewer; wait for the agent's decision."""
    accepted = await agent.submit_for(f"rec-{secrets.token_hex(4)}", command, session=session)
    assert accepted["type"] == "accepted", accepted
    response = await http.post(
        f"/api/v1/commands/{accepted['command_id']}/approve", headers=org.reviewer_headers()
    )
    assert response.status_code == 200, response.text
    decision = await agent.recv()
    assert (decision["type"], decision["approved"]) == ("decision", True), decision
    return str(accepted["command_id"])


async def exchange(agent: RawAgent, frame: dict[str, Any]) -> dict[str, Any]:
    await agent.send(frame)
    ack = await agent.recv()
    assert ack["type"] == "exec_ack", ack
    return ack


async def start(agent: RawAgent, command_id: str) -> str:
    ack = await exchange(
        agent, {"type": "exec_start", "command_id": command_id, "cols": 80, "rows": 24}
    )
    return str(ack["recording_id"])


async def output(agent: RawAgent, command_id: str, seq: int, events: list[list[Any]]) -> None:
    frame = {"type": "exec_output", "command_id": command_id, "seq": seq, "events": events}
    await exchange(agent, frame)


async def end(agent: RawAgent, command_id: str, seq: int, exit_code: int, duration: float) -> None:
    frame = {
        "type": "exec_end",
        "command_id": command_id,
        "seq": seq,
        "exit_code": exit_code,
        "duration": duration,
    }
    await exchange(agent, frame)


async def finished(http: httpx.AsyncClient, org: OrgTokens, recording_id: str) -> dict[str, Any]:
    """The recording's details once the server has finished it."""
    for _ in range(200):
        detail: dict[str, Any] = (
            await http.get(f"/api/v1/recordings/{recording_id}", headers=org.reviewer_headers())
        ).json()
        if detail["status"] == "finished":
            return detail
        await asyncio.sleep(0.05)
    raise AssertionError(f"recording {recording_id} never finished: {detail}")


@pytest.fixture
async def seeded(server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient) -> Seeded:
    """One session, two commands: a build that prints for 3 s and exits 0, a deploy that fails."""
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    session = {"id": f"release-{secrets.token_hex(3)}", "goal": "Ship v2"}
    build = await approved(agent, http, org, BUILD, session)
    recording_id = await start(agent, build)
    await output(
        agent,
        build,
        1,
        [
            [0.0, "o", "building\u2026\r\n"],
            [1.5, "o", "\x1b[1;32mcompiled 42 files\x1b[0m\r\n"],
            [3.0, "o", "build ok\r\n"],
        ],
    )
    await end(agent, build, 2, 0, 3.0)
    deploy = await approved(agent, http, org, DEPLOY, session)
    assert await start(agent, deploy) == recording_id, "a session is one recording"
    await output(agent, deploy, 1, [[0.0, "o", "deploying\r\n"], [1.0, "o", "deploy failed\r\n"]])
    await end(agent, deploy, 2, 2, 1.0)
    await agent.send({"type": "session_end", "session_id": session["id"], "status": "failed"})
    detail = await finished(http, org, recording_id)
    assert [m["label"] for m in detail["markers"]] == [BUILD, DEPLOY]
    await agent.close()
    return Seeded(recording_id, [build, deploy])


def terminal(page: Page) -> Locator:
    """The text layer asciinema-player draws the terminal's rows into."""
    return page.get_by_role("region", name="Terminal").locator(".ap-term-text")


async def player_ready(page: Page, ready: Locator | None = None) -> None:
    """Wait for ``ready`` (by default our Play button, enabled once the player has mounted);
    an alert on the page says why the player could not start."""
    alert = page.get_by_role("main").get_by_role("alert")
    ready = ready if ready is not None else page.locator(".rec-controls__play:enabled")
    await expect(ready.or_(alert).first).to_be_visible()
    assert await alert.count() == 0, await alert.all_inner_texts()


async def player_time(page: Page) -> float:
    return float(await page.locator(".rec-stage").get_attribute("data-current-time") or "nan")


async def test_the_list_links_a_recording_whose_player_seeks_to_a_clicked_command(
    reviewer_page: Page, seeded: Seeded, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    page = reviewer_page
    detail = (
        await http.get(f"/api/v1/recordings/{seeded.recording_id}", headers=org.reviewer_headers())
    ).json()
    deploy_at = detail["markers"][1]["time"]
    assert deploy_at >= 3.0, detail["markers"]

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Recordings").click()
    await expect(page).to_have_url(f"{page.url.split('/app/')[0]}/app/recordings")
    row = page.locator("tr", has=page.locator(f'a[href="/app/recordings/{seeded.recording_id}"]'))
    await expect(row).to_contain_text("Finished")
    await expect(row).to_contain_text("2 commands")
    await row.get_by_role("link").click()

    # The player has loaded: our controls are enabled and its terminal is on the page.
    await player_ready(page)
    play = page.get_by_role("button", name="Play")
    await expect(page.get_by_role("region", name="Terminal").locator(".ap-term")).to_have_count(1)

    markers = page.get_by_role("list", name="Commands in this recording").get_by_role("listitem")
    await expect(markers).to_have_count(2)
    await expect(markers.nth(0)).to_contain_text("exit 0")
    await expect(markers.nth(1)).to_contain_text("exit 2")

    await markers.nth(1).get_by_role("button", name=JUMP_TO_DEPLOY).click()
    await page.wait_for_function(
        "t => Math.abs(parseFloat(document.querySelector('.rec-stage').dataset.currentTime) - t)"
        " < 0.05",
        arg=deploy_at,
    )
    assert abs(await player_time(page) - deploy_at) < 0.05
    await expect(markers.nth(1)).to_have_attribute("aria-current", "true")
    await expect(terminal(page)).to_contain_text("compiled 42 files")
    await expect(terminal(page)).not_to_contain_text("deploy failed")

    # Playing from there shows what the deploy printed.
    await play.click()
    await expect(page.get_by_role("button", name="Pause")).to_be_visible()
    await expect(terminal(page)).to_contain_text("deploy failed", timeout=10_000)
    assert await player_time(page) > deploy_at

    # Back to the first command, by keyboard.
    await markers.nth(0).get_by_role("button").focus()
    await page.keyboard.press("Enter")
    await page.wait_for_function(
        "t => parseFloat(document.querySelector('.rec-stage').dataset.currentTime) < t",
        arg=deploy_at,
    )


async def test_a_faster_speed_carries_on_from_the_same_place(
    reviewer_page: Page, seeded: Seeded
) -> None:
    page = reviewer_page
    await page.goto(f"/app/recordings/{seeded.recording_id}")
    await player_ready(page)
    await page.get_by_role("button", name=f"Jump to 0:00 {BUILD}").click()
    await page.get_by_label("Speed").select_option("8")
    await expect(page.get_by_role("button", name="Play")).to_be_enabled()
    await page.get_by_role("button", name="Play").click()
    # 4 s of recording at 8x: well under the time 1x would need.
    await expect(terminal(page)).to_contain_text("deploy failed", timeout=3_000)


async def test_the_cast_downloads_under_its_own_name(reviewer_page: Page, seeded: Seeded) -> None:
    page = reviewer_page
    await page.goto(f"/app/recordings/{seeded.recording_id}")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Download .cast").click()
    download = await info.value
    assert download.suggested_filename == f"{seeded.recording_id}.cast"
    header = json.loads((await download.path()).read_text().splitlines()[0])
    assert (header["version"], header["width"], header["height"]) == (2, 80, 24)


async def test_a_live_recording_is_watched_as_the_agent_runs(
    reviewer_page: Page, server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    page = reviewer_page
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    session = {"id": f"live-{secrets.token_hex(3)}", "goal": "Watch me"}
    first = await approved(agent, http, org, "tail -f /var/log/app.log", session)
    recording_id = await start(agent, first)
    await output(agent, first, 1, [[0.0, "o", "line one\r\n"]])

    await page.goto(f"/app/recordings/{recording_id}")
    await expect(page.get_by_text("Following the agent\u2019s terminal")).to_be_visible()
    await player_ready(page, terminal(page).filter(has_text="line one"))
    await expect(page.get_by_role("button", name="Play")).to_have_count(0)

    await output(agent, first, 2, [[0.5, "o", "line two, live\r\n"]])
    await expect(terminal(page)).to_contain_text("line two, live")
    await end(agent, first, 3, 0, 0.6)

    second = await approved(agent, http, org, "uptime", session)
    await start(agent, second)
    markers = page.get_by_role("list", name="Commands in this recording").get_by_role("listitem")
    await expect(markers).to_have_count(2)
    await output(agent, second, 1, [[0.0, "o", "up 3 days\r\n"]])
    await expect(terminal(page)).to_contain_text("up 3 days")
    await end(agent, second, 2, 0, 0.1)

    await agent.send({"type": "session_end", "session_id": session["id"], "status": "completed"})
    # Finished: the page replays it from its file, with the controls.
    await expect(page.get_by_role("button", name="Play")).to_be_enabled(timeout=10_000)
    await expect(page.locator(".badge", has_text="Finished")).to_be_visible()
    await agent.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_recording_screens_pass_axe_in_both_themes(
    reviewer_page: Page, seeded: Seeded, scheme: Literal["light", "dark"]
) -> None:
    page = reviewer_page
    await page.emulate_media(color_scheme=scheme)
    await page.goto("/app/recordings")
    await expect(page.get_by_role("table")).to_be_visible()
    found = await violations(page)
    assert found == [], f"recordings: {describe(found)}"

    await page.goto(f"/app/recordings/{seeded.recording_id}")
    await player_ready(page)
    await page.get_by_role("button", name=JUMP_TO_DEPLOY).click()
    await expect(terminal(page)).to_contain_text("compiled 42 files")
    found = await violations(page)
    assert found == [], f"player: {describe(found)}"
