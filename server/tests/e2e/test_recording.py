"""Recording what approved commands print, over the agent socket's execution frames."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import websockets

from expacti_server.db.engine import Database
from tests.conftest import DatabaseFactory
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens, make_agent_token, make_org
from tests.support.server import ServerProcess

COLOURS = "\x1b[1;32mgreen\x1b[0m and \x1b[31mred\x1b[0m ✓\r\n"
PROGRESS = "".join(f"\r[{'#' * i}{' ' * (10 - i)}] {i * 10}%" for i in range(11)) + "\r\n"


async def approved(
    agent: RawAgent, http: httpx.AsyncClient, org: OrgTokens, cmd: str, **kw: Any
) -> str:
    accepted = await agent.submit_for(f"r-{uuid.uuid4().hex}", cmd, **kw)
    assert accepted["type"] == "accepted", accepted
    response = await http.post(
        f"/api/v1/commands/{accepted['command_id']}/approve", headers=org.reviewer_headers()
    )
    assert response.status_code == 200, response.text
    decision = await agent.recv()
    assert decision["type"] == "decision"
    assert decision["approved"]
    return str(accepted["command_id"])


async def send(agent: RawAgent, frame: dict[str, Any]) -> dict[str, Any]:
    await agent.send(frame)
    return await agent.recv()


def parse_cast(text: str) -> tuple[dict[str, Any], list[list[Any]]]:
    lines = text.splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


async def cast_of(http: httpx.AsyncClient, org: OrgTokens, recording_id: str) -> str:
    response = await http.get(
        f"/api/v1/recordings/{recording_id}/cast", headers=org.reviewer_headers()
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-asciicast")
    return response.text


async def test_a_run_is_recorded_as_asciicast_with_a_marker_resize_and_exact_output(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    command_id = await approved(agent, http, org, "./build.sh --colour")

    ack = await send(
        agent, {"type": "exec_start", "command_id": command_id, "cols": 80, "rows": 24}
    )
    assert ack["type"] == "exec_ack"
    assert ack["seq"] == 0
    assert ack["capture_input"] is False
    recording_id = ack["recording_id"]
    events = [[0.01, "o", COLOURS], [0.2, "o", PROGRESS[:40]], [0.3, "o", PROGRESS[40:]]]
    first = {"type": "exec_output", "command_id": command_id, "seq": 1, "events": events}
    assert (await send(agent, first))["seq"] == 1
    assert (await send(agent, first))["seq"] == 1  # a resend is acknowledged, not stored twice
    resize = [[0.5, "r", "120x40"], [0.6, "o", "after resize\r\n"], [0.7, "i", "secret\r"]]
    second = {"type": "exec_output", "command_id": command_id, "seq": 2, "events": resize}
    assert (await send(agent, second))["seq"] == 2
    end = {"type": "exec_end", "command_id": command_id, "seq": 3, "exit_code": 3, "duration": 0.8}
    assert (await send(agent, end))["seq"] == 3

    header, lines = parse_cast(await cast_of(http, org, recording_id))
    assert (header["version"], header["width"], header["height"]) == (2, 80, 24)
    assert header["env"]["TERM"] == "xterm-256color"
    assert [line[1:] for line in lines if line[1] == "m"] == [["m", "./build.sh --colour"]]
    assert "".join(line[2] for line in lines if line[1] == "o") == (
        COLOURS + PROGRESS + "after resize\r\n"
    )
    assert ["r", "120x40"] in [line[1:] for line in lines]
    assert not [line for line in lines if line[1] == "i"], "input is recorded only when enabled"
    times = [line[0] for line in lines]
    assert times == sorted(times)

    detail = (
        await http.get(f"/api/v1/recordings/{recording_id}", headers=org.reviewer_headers())
    ).json()
    assert detail["status"] == "finished"
    assert detail["commands"] == 1
    assert detail["markers"] == [
        {
            "time": detail["markers"][0]["time"],
            "label": "./build.sh --colour",
            "command_id": command_id,
            "exit_code": 3,
            "finished": True,
        }
    ]
    audit = (
        await http.get("/api/v1/audit", headers=org.reviewer_headers(), params={"limit": 20})
    ).json()["items"]
    actions = [e["action"] for e in audit]
    assert {"recording.started", "recording.finished", "command.executed"} <= set(actions)
    executed = next(e for e in audit if e["action"] == "command.executed")
    assert executed["data"]["exit_code"] == 3
    assert executed["data"]["output_bytes"] == len(
        (COLOURS + PROGRESS + "after resize\r\n").encode()
    )
    command = (
        await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
    ).json()
    assert command["recording_id"] == recording_id
    await agent.close()


async def test_only_the_agents_own_approved_commands_are_recorded(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit_for("d-1", "rm -rf /srv/data")
    await http.post(
        f"/api/v1/commands/{accepted['command_id']}/deny", headers=org.reviewer_headers()
    )
    await agent.recv()
    refused = await send(
        agent, {"type": "exec_start", "command_id": accepted["command_id"], "cols": 80, "rows": 24}
    )
    assert (refused["type"], refused["code"]) == ("error", "not_approved")
    assert refused["details"]["command_id"] == accepted["command_id"]

    mine = await approved(agent, http, org, "uptime")
    other = await RawAgent.connect(server.ws_url, await make_agent_token(server_db, org, "other"))
    stolen = await send(other, {"type": "exec_start", "command_id": mine, "cols": 80, "rows": 24})
    assert (stolen["type"], stolen["code"]) == ("error", "not_found")
    early = await send(
        agent,
        {"type": "exec_output", "command_id": mine, "seq": 1, "events": [[0, "o", "x"]]},
    )
    assert (early["type"], early["code"]) == ("error", "not_found")
    await other.close()
    await agent.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"events": [[0.1, "r", "wide"]]}, "invalid_frame"),
        ({"events": [[-1, "o", "x"]]}, "invalid_frame"),
        ({"events": [[0.1, "x", "x"]]}, "invalid_frame"),
        ({"events": []}, "invalid_frame"),
        ({"seq": 0, "events": [[0.1, "o", "x"]]}, "invalid_frame"),
    ],
)
async def test_a_bad_output_frame_is_refused_and_changes_nothing(
    server: ServerProcess,
    org: OrgTokens,
    http: httpx.AsyncClient,
    frame: dict[str, Any],
    code: str,
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    command_id = await approved(agent, http, org, "date")
    ack = await send(
        agent, {"type": "exec_start", "command_id": command_id, "cols": 80, "rows": 24}
    )
    before = await cast_of(http, org, ack["recording_id"])
    bad = {"type": "exec_output", "command_id": command_id, "seq": 1, **frame}
    reply = await send(agent, bad)
    assert (reply["type"], reply["code"]) == ("error", code)
    assert await cast_of(http, org, ack["recording_id"]) == before
    good = {"type": "exec_output", "command_id": command_id, "seq": 1, "events": [[0, "o", "ok"]]}
    assert (await send(agent, good))["seq"] == 1  # the socket keeps serving
    await agent.close()


async def test_a_session_is_one_recording_finished_when_the_session_ends(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    session = {"id": "nightly-7", "goal": "rotate the logs"}
    recordings = set()
    for seq, cmd in enumerate(["logrotate -f /etc/logrotate.conf", "du -sh /var/log"]):
        command_id = await approved(agent, http, org, cmd, session=session)
        ack = await send(
            agent, {"type": "exec_start", "command_id": command_id, "cols": 100, "rows": 30}
        )
        recordings.add(ack["recording_id"])
        out = {"type": "exec_output", "command_id": command_id, "seq": 1}
        await send(agent, {**out, "events": [[0.0, "o", f"step {seq}\r\n"]]})
        await send(agent, {"type": "exec_end", "command_id": command_id, "seq": 2, "exit_code": 0})
    assert len(recordings) == 1
    (recording_id,) = recordings
    detail = (
        await http.get(f"/api/v1/recordings/{recording_id}", headers=org.reviewer_headers())
    ).json()
    assert (detail["status"], detail["title"], detail["commands"]) == (
        "live",
        "rotate the logs",
        2,
    )
    assert [m["label"] for m in detail["markers"]] == [
        "logrotate -f /etc/logrotate.conf",
        "du -sh /var/log",
    ]
    await agent.send({"type": "session_end", "session_id": "nightly-7", "status": "completed"})
    for _ in range(100):
        detail = (
            await http.get(f"/api/v1/recordings/{recording_id}", headers=org.reviewer_headers())
        ).json()
        if detail["status"] == "finished":
            break
        await asyncio.sleep(0.05)
    assert detail["status"] == "finished"
    listed = (
        await http.get(
            "/api/v1/recordings",
            headers=org.reviewer_headers(),
            params={"session_id": detail["session_id"]},
        )
    ).json()
    assert [r["id"] for r in listed["items"]] == [recording_id]
    await agent.close()


async def test_a_live_recording_can_be_watched_as_it_is_written(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    command_id = await approved(agent, http, org, "tail -n 3 /var/log/syslog")
    ack = await send(
        agent, {"type": "exec_start", "command_id": command_id, "cols": 80, "rows": 24}
    )
    out = {"type": "exec_output", "command_id": command_id}
    await send(agent, {**out, "seq": 1, "events": [[0.1, "o", "before\r\n"]]})
    url = f"ws://127.0.0.1:{server.port}/api/v1/recordings/{ack['recording_id']}/live"
    async with websockets.connect(url, additional_headers=org.reviewer_headers()) as live:
        header = json.loads(await asyncio.wait_for(live.recv(), 10))
        assert header["version"] == 2
        assert json.loads(await live.recv())[1:] == ["m", "tail -n 3 /var/log/syslog"]
        assert json.loads(await live.recv())[1:] == ["o", "before\r\n"]
        await send(agent, {**out, "seq": 2, "events": [[0.2, "o", "during\r\n"]]})
        assert json.loads(await asyncio.wait_for(live.recv(), 10))[1:] == ["o", "during\r\n"]
        await send(agent, {"type": "exec_end", "command_id": command_id, "seq": 3, "exit_code": 0})
        with pytest.raises(websockets.ConnectionClosedOK):
            await asyncio.wait_for(live.recv(), 10)
        assert live.close_code == 1000
    await agent.close()


async def test_the_live_socket_needs_a_reviewer_of_the_same_org(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    command_id = await approved(agent, http, org, "hostname")
    ack = await send(
        agent, {"type": "exec_start", "command_id": command_id, "cols": 80, "rows": 24}
    )
    url = f"ws://127.0.0.1:{server.port}/api/v1/recordings/{ack['recording_id']}/live"
    stranger = await make_org(server_db)
    for headers, status in [
        ({"Authorization": f"Bearer {org.agent_token}"}, 403),
        (stranger.reviewer_headers(), 404),
        ({}, 401),
    ]:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(url, additional_headers=headers)
        assert refused.value.response.status_code == status
    await agent.close()


async def test_input_is_recorded_only_when_the_org_turns_it_on(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    changed = await http.patch(
        "/api/v1/org", json={"record_input": True}, headers=org.reviewer_headers()
    )
    assert changed.status_code == 200
    assert changed.json()["record_input"] is True
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    command_id = await approved(agent, http, org, "read -p 'continue? ' answer")
    ack = await send(
        agent, {"type": "exec_start", "command_id": command_id, "cols": 80, "rows": 24}
    )
    assert ack["capture_input"] is True
    events = [[0.1, "o", "continue? "], [0.4, "i", "y\r"]]
    await send(agent, {"type": "exec_output", "command_id": command_id, "seq": 1, "events": events})
    await send(agent, {"type": "exec_end", "command_id": command_id, "seq": 2, "exit_code": 0})
    _, lines = parse_cast(await cast_of(http, org, ack["recording_id"]))
    assert ["i", "y\r"] in [line[1:] for line in lines]
    detail = (
        await http.get(f"/api/v1/recordings/{ack['recording_id']}", headers=org.reviewer_headers())
    ).json()
    assert detail["input_captured"] is True
    await agent.close()


async def test_a_recording_past_its_cap_says_it_was_truncated(
    databases: DatabaseFactory,
) -> None:
    server = databases.server(EXPACTI_RECORDING_MAX_BYTES=str(64 * 1024)).start()
    try:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as http:
            database = Database(server.database_url)
            org = await make_org(database)
            agent = await RawAgent.connect(server.ws_url, org.agent_token)
            command_id = await approved(agent, http, org, "yes | head -c 200000")
            ack = await send(
                agent, {"type": "exec_start", "command_id": command_id, "cols": 80, "rows": 24}
            )
            chunk = "y\r\n" * 2000
            for seq in range(1, 21):
                events = [[seq * 0.01, "o", chunk]]
                frame = {"type": "exec_output", "command_id": command_id, "seq": seq}
                assert (await send(agent, {**frame, "events": events}))["seq"] == seq
            await send(
                agent, {"type": "exec_end", "command_id": command_id, "seq": 21, "exit_code": 0}
            )
            text = await cast_of(http, org, ack["recording_id"])
            assert len(text.encode()) <= 64 * 1024
            _, lines = parse_cast(text)
            assert lines[-1][1] == "m"
            assert "recording truncated" in lines[-1][2]
            detail = (
                await http.get(
                    f"/api/v1/recordings/{ack['recording_id']}", headers=org.reviewer_headers()
                )
            ).json()
            assert detail["truncated"] is True
            await agent.close()
            await database.dispose()
    finally:
        server.stop()


async def test_a_crash_mid_session_leaves_a_playable_file_that_goes_on_after_restart(
    databases: DatabaseFactory,
) -> None:
    server = databases.server().start()
    database = Database(server.database_url)
    try:
        org = await make_org(database)
        async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as http:
            agent = await RawAgent.connect(server.ws_url, org.agent_token)
            command_id = await approved(agent, http, org, "make -j2", session={"id": "crash-1"})
            ack = await send(
                agent, {"type": "exec_start", "command_id": command_id, "cols": 80, "rows": 24}
            )
            out = {"type": "exec_output", "command_id": command_id}
            await send(agent, {**out, "seq": 1, "events": [[0.1, "o", "compiling\r\n"]]})
            server.kill()  # SIGKILL: no shutdown code runs
            server.start()
            agent = await RawAgent.connect(server.ws_url, org.agent_token)
            text = await cast_of(http, org, ack["recording_id"])
            header, lines = parse_cast(text)  # every line is complete JSON
            assert header["version"] == 2
            assert [line[1:] for line in lines] == [["m", "make -j2"], ["o", "compiling\r\n"]]
            # The agent resends what it has not seen acknowledged; the run goes on.
            again = await send(
                agent, {"type": "exec_start", "command_id": command_id, "cols": 80, "rows": 24}
            )
            assert (again["recording_id"], again["seq"]) == (ack["recording_id"], 1)
            await send(agent, {**out, "seq": 1, "events": [[0.1, "o", "compiling\r\n"]]})
            await send(agent, {**out, "seq": 2, "events": [[0.2, "o", "linking\r\n"]]})
            await send(
                agent, {"type": "exec_end", "command_id": command_id, "seq": 3, "exit_code": 0}
            )
            _, lines = parse_cast(await cast_of(http, org, ack["recording_id"]))
            assert (
                "".join(line[2] for line in lines if line[1] == "o") == "compiling\r\nlinking\r\n"
            )
            await agent.close()
    finally:
        await database.dispose()
        server.stop()


async def test_recordings_past_the_orgs_retention_are_deleted(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    changed = await http.patch(
        "/api/v1/org", json={"recording_retention_days": 1}, headers=org.reviewer_headers()
    )
    assert changed.json()["recording_retention_days"] == 1
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    command_id = await approved(agent, http, org, "ls /tmp")
    ack = await send(
        agent, {"type": "exec_start", "command_id": command_id, "cols": 80, "rows": 24}
    )
    await send(agent, {"type": "exec_end", "command_id": command_id, "seq": 1, "exit_code": 0})
    await agent.close()
    cast_file = (
        server.data_dir / "recordings" / org_id_of(changed.json()) / f"{ack['recording_id']}.cast"
    )
    assert cast_file.exists()

    def sweep(as_of: datetime) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EXPACTI_")}
        env |= {
            "EXPACTI_DATABASE_URL": server.database_url,
            "EXPACTI_DATA_DIR": str(server.data_dir),
            "EXPACTI_CONFIG": "/nonexistent",
        }
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "expacti_server",
                "recording",
                "sweep",
                "--as-of",
                as_of.isoformat(),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    kept = sweep(datetime.now(UTC) + timedelta(hours=12))
    assert kept.returncode == 0, kept.stderr
    assert ack["recording_id"] not in kept.stdout
    gone = sweep(datetime.now(UTC) + timedelta(days=2))
    assert ack["recording_id"] in gone.stdout
    assert not cast_file.exists()
    missing = await http.get(
        f"/api/v1/recordings/{ack['recording_id']}", headers=org.reviewer_headers()
    )
    assert missing.status_code == 404
    audit = (await http.get("/api/v1/audit", headers=org.reviewer_headers())).json()["items"]
    deleted = [e for e in audit if e["action"] == "recording.deleted"]
    assert deleted[0]["data"] == {"recording_id": ack["recording_id"], "reason": "retention"}


def org_id_of(org_view: dict[str, Any]) -> str:
    return str(org_view["id"])
