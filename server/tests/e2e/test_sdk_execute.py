"""The Python SDK's execute() against the real server: what the agent's terminal showed is
what the recording holds, byte for byte, with the command's marker and its resize."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Any

import httpx
from expacti import AsyncExpactiClient, Execution
from sqlalchemy import select

from expacti_server.db.engine import Database
from expacti_server.recording.models import Execution as ExecutionRow
from tests.conftest import DatabaseFactory
from tests.e2e.test_lifecycle import pending_id
from tests.support.factories import OrgTokens, make_org
from tests.support.server import ServerProcess

# Colours, a ✓, a progress bar drawn over itself with \r, then a prompt (echo off first, so
# what the test types never shows), then the size the command sees after the resize.
COMMAND = (
    "printf '\\033[1;32mbuilding\\033[0m \\342\\234\\223\\n'; "
    "for p in 20 40 60 80 100; do printf '\\r[%-5s] %3d%%' $(printf '%*s' $((p / 20)) '' "
    "| tr ' ' '#') $p; done; printf '\\n'; "
    "stty -echo; printf '?'; read x; stty size"
)


async def test_execute_records_colours_progress_and_a_resize_byte_for_byte(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    handle: list[Execution] = []
    seen: list[str] = []
    prompted = asyncio.Event()

    def on_output(text: str) -> None:
        seen.append(text)
        if "".join(seen).endswith("?"):
            prompted.set()

    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        running = asyncio.create_task(
            client.execute(COMMAND, cols=80, rows=24, on_start=handle.append, on_output=on_output)
        )
        command_id = await pending_id(http, org, COMMAND)
        approved = await http.post(
            f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers()
        )
        assert approved.status_code == 200, approved.text
        await asyncio.wait_for(prompted.wait(), 30)
        handle[0].resize(100, 30)
        handle[0].write("\n")
        result = await asyncio.wait_for(running, 30)

    assert result.exit_code == 0
    assert result.output == "".join(seen)
    assert "\x1b[1;32mbuilding\x1b[0m ✓\r\n" in result.output
    assert "\r[##   ]  40%\r" in result.output
    assert result.output.endswith("?30 100\r\n")  # the command saw the new size
    assert result.recorded, "the server acknowledged every frame"
    assert result.recording_id is not None

    cast = await http.get(
        f"/api/v1/recordings/{result.recording_id}/cast", headers=org.reviewer_headers()
    )
    assert cast.status_code == 200, cast.text
    assert cast.headers["content-type"].startswith("application/x-asciicast")
    header, *events = [json.loads(line) for line in cast.text.splitlines()]
    assert (header["version"], header["width"], header["height"]) == (2, 80, 24)
    assert header["env"] == {"TERM": "xterm-256color"}
    assert "".join(data for _, code, data in events if code == "o") == result.output
    assert [data for _, code, data in events if code == "m"] == [COMMAND]
    assert [data for _, code, data in events if code == "r"] == ["100x30"]
    assert [data for _, code, data in events if code == "i"] == []  # not recorded by default
    times = [t for t, _, _ in events]
    assert times == sorted(times)

    command = await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
    assert command.json()["recording_id"] == result.recording_id
    detail: dict[str, Any] = (
        await http.get(f"/api/v1/recordings/{result.recording_id}", headers=org.reviewer_headers())
    ).json()
    assert detail["status"] == "finished"  # a command outside a session: its own recording
    assert [(m["command_id"], m["exit_code"], m["finished"]) for m in detail["markers"]] == [
        (command_id, 0, True)
    ]


async def _approve(http: httpx.AsyncClient, org: OrgTokens, command: str) -> str:
    command_id = await pending_id(http, org, command)
    approved = await http.post(
        f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers()
    )
    assert approved.status_code == 200, approved.text
    return command_id


async def test_a_sessions_commands_share_a_recording_and_input_is_recorded_when_asked(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    changed = await http.patch(
        "/api/v1/org", json={"record_input": True}, headers=org.reviewer_headers()
    )
    assert changed.status_code == 200, changed.text
    greet = "stty -echo; printf 'name? '; read name; echo \"hello $name\""
    handle: list[Execution] = []
    prompted = asyncio.Event()

    def on_output(text: str) -> None:
        if "name? " in text:
            prompted.set()

    async with (
        AsyncExpactiClient(server.ws_url, org.agent_token) as client,
        client.session(goal="greet", steps=["look", "greet"]) as session,
    ):
        looking = asyncio.create_task(session.execute("echo looking", step="look"))
        await _approve(http, org, "echo looking")
        first = await asyncio.wait_for(looking, 30)
        greeting = asyncio.create_task(
            session.execute(greet, step="greet", on_start=handle.append, on_output=on_output)
        )
        await _approve(http, org, greet)
        await asyncio.wait_for(prompted.wait(), 30)
        handle[0].write("world\n")
        second = await asyncio.wait_for(greeting, 30)

    assert (first.output, second.output) == ("looking\r\n", "name? hello world\r\n")
    assert first.recording_id == second.recording_id is not None
    assert (first.recorded, second.recorded) == (True, True)
    for _ in range(200):  # session_end finishes the recording, soon after the block
        detail: dict[str, Any] = (
            await http.get(
                f"/api/v1/recordings/{first.recording_id}", headers=org.reviewer_headers()
            )
        ).json()
        if detail["status"] == "finished":
            break
        await asyncio.sleep(0.05)
    assert (detail["status"], detail["commands"], detail["input_captured"]) == ("finished", 2, True)
    assert detail["title"] == "greet"
    cast = await http.get(
        f"/api/v1/recordings/{first.recording_id}/cast", headers=org.reviewer_headers()
    )
    events = [json.loads(line) for line in cast.text.splitlines()[1:]]
    assert [data for _, code, data in events if code == "m"] == ["echo looking", greet]
    assert "".join(data for _, code, data in events if code == "o") == first.output + second.output
    assert [data for _, code, data in events if code == "i"] == ["world\n"]


async def test_output_printed_while_the_server_is_down_reaches_the_recording_once(
    databases: DatabaseFactory,
) -> None:
    server = databases.server().start()
    database = Database(server.database_url)
    handle: list[Execution] = []
    prompted = asyncio.Event()
    line = "printf 'before\\n'; stty -echo; printf '?'; read x; printf 'while down\\n'"
    try:
        org = await make_org(database)
        async with (
            httpx.AsyncClient(base_url=server.http_url, timeout=30) as http,
            AsyncExpactiClient(
                server.ws_url, org.agent_token, max_backoff=0.2, output_ack_timeout=60
            ) as client,
        ):
            running = asyncio.create_task(
                client.execute(
                    line,
                    on_start=handle.append,
                    on_output=lambda text: prompted.set() if "?" in text else None,
                )
            )
            command_id = await _approve(http, org, line)
            await asyncio.wait_for(prompted.wait(), 30)
            for _ in range(200):  # everything so far stored: nothing of it is sent again
                async with database.read() as conn:
                    stored = await conn.scalar(
                        select(ExecutionRow.last_seq).where(ExecutionRow.command_id == command_id)
                    )
                if stored:
                    break
                await asyncio.sleep(0.05)
            server.kill(signal.SIGKILL)
            handle[0].write("\n")  # the command prints and ends while the server is down
            while handle[0].running:
                await asyncio.sleep(0.05)
            server.start()
            result = await asyncio.wait_for(running, 60)
            assert (result.exit_code, result.recorded) == (0, True)
            assert result.output == "before\r\n?while down\r\n"
            cast = await http.get(
                f"/api/v1/recordings/{result.recording_id}/cast", headers=org.reviewer_headers()
            )
        events = [json.loads(event) for event in cast.text.splitlines()[1:]]
        assert "".join(data for _, code, data in events if code == "o") == result.output
        assert [data for _, code, data in events if code == "m"] == [line]
    finally:
        await database.dispose()
        server.stop()
