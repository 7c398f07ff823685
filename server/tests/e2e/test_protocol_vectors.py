"""Replays protocol/vectors/client_frames.json against the real server, on one connection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess

VECTORS = Path(__file__).parents[3] / "protocol" / "vectors"
KEY_PLACEHOLDER = "$reviewer_key"


def _materialise(case: dict[str, Any], key_id: str) -> str:
    if "raw" in case:
        return str(case["raw"])
    frame = dict(case["frame"])
    for name, spec in case.get("expand", {}).items():
        text = spec["repeat"] * spec["count"]
        frame[name] = {"value": text} if spec.get("as") == "object_value" else text
    return json.dumps(frame).replace(json.dumps(KEY_PLACEHOLDER), json.dumps(key_id))


async def _register_vector_key(server: ServerProcess, org: OrgTokens) -> str:
    """protocol/README.md: the runner registers the vectors' public key for its org."""
    spki = json.loads((VECTORS / "encryption.json").read_text())["public_key_spki"]
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        response = await http.post(
            "/api/v1/keys", json={"public_key": spki}, headers=org.reviewer_headers()
        )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_every_client_vector_gets_the_expected_answer(
    server: ServerProcess, org: OrgTokens
) -> None:
    cases = json.loads((VECTORS / "client_frames.json").read_text())["cases"]
    assert len(cases) > 30
    key_id = await _register_vector_key(server, org)
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    mismatches = []
    for case in cases:
        await agent.send(_materialise(case, key_id))
        expect = case["expect"]
        if expect.get("reply", "") is None:
            # "Answers nothing": a ping sent next must be answered first.
            await agent.send({"type": "ping", "nonce": case["name"]})
            reply = await agent.recv()
            ok = reply == {"type": "pong", "nonce": case["name"]}
        else:
            reply = await agent.recv()
        if expect.get("reply", "") is None:
            pass
        elif "reply" in expect:
            ok = reply["type"] == expect["reply"]
        else:
            ok = reply["type"] == "error" and reply["code"] == expect["error"]
            request_id = case.get("frame", {}).get("request_id")
            if ok and request_id and expect["error"] != "invalid_frame":
                ok = reply.get("request_id") == request_id
        if not ok:
            mismatches.append((case["name"], reply))
    await agent.close()
    assert mismatches == []


async def test_the_hello_frame_reports_identity_and_limits(
    server: ServerProcess, org: OrgTokens
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    await agent.close()
    assert agent.hello["protocol"] == "v1"
    assert agent.hello["agent"]["name"] == "agent-1"
    assert agent.hello["org"]["name"] == org.name
    assert agent.hello["limits"]["max_command_bytes"] == 65536
    assert agent.hello["limits"]["timeout_seconds"] == 60
