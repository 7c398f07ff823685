"""What the integration tests share: commands that leave a trace, a reviewer deciding
through the HTTP API, and the server's view of what was asked."""

from __future__ import annotations

import asyncio
import shlex
import socket
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.test_lifecycle import pending_id
from tests.support.factories import OrgTokens


def writing(path: Path, text: str) -> str:
    """A command that prints ``text`` and leaves it in ``path``: the trace that it ran."""
    return f"echo {shlex.quote(text)} | tee {shlex.quote(str(path))}"


async def decide(
    http: httpx.AsyncClient,
    org: OrgTokens,
    command: str,
    verdict: str,
    note: str | None = None,
    *,
    edited: str | None = None,
) -> str:
    """Wait for ``command`` to be pending, then ``approve`` or ``deny`` it; its id.

    ``edited`` approves the reviewer's own text instead of the agent's.
    """
    command_id = await pending_id(http, org, command)
    body: dict[str, str] = {}
    if note is not None:
        body["note"] = note
    if edited is not None:
        body["command"] = edited
    response = await http.post(
        f"/api/v1/commands/{command_id}/{verdict}", json=body, headers=org.reviewer_headers()
    )
    assert response.status_code == 200, response.text
    return command_id


async def commands(http: httpx.AsyncClient, org: OrgTokens) -> list[dict[str, Any]]:
    """Every command the organisation's agents asked about, as reviewers list them."""
    response = await http.get("/api/v1/commands", headers=org.reviewer_headers())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def status_once_decided(http: httpx.AsyncClient, org: OrgTokens, command_id: str) -> str:
    """The command's status once it is no longer pending (a withdrawal takes a moment)."""
    for _ in range(500):
        view = await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
        status = str(view.json()["status"])
        if status != "pending":
            return status
        await asyncio.sleep(0.02)
    raise AssertionError(f"{command_id} stayed pending")


def unreachable_url() -> str:
    """An agent WebSocket URL on a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return f"ws://127.0.0.1:{port}/shell/ws"
