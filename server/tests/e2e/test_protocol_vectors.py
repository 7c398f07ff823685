"""Replays protocol/vectors/client_frames.json against the real server, on one connection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess

VECTORS = Path(__file__).parents[3] / "protocol" / "vectors" / "client_frames.json"


def _materialise(case: dict[str, Any]) -> str:
    if "raw" in case:
        return str(case["raw"])
    frame = dict(case["frame"])
    for name, spec in case.get("expand", {}).items():
        text = spec["repeat"] * spec["count"]
        frame[name] = {"value": text} if spec.get("as") == "object_value" else text
    return json.dumps(frame)


async def test_every_client_vector_gets_the_expected_answer(
    server: ServerProcess, org: OrgTokens
) -> None:
    cases = json.loads(VECTORS.read_text())["cases"]
    assert len(cases) > 30
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    mismatches = []
    for case in cases:
        await agent.send(_materialise(case))
        reply = await agent.recv()
        expect = case["expect"]
        if "reply" in expect:
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
