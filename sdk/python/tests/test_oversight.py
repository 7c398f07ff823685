"""client.oversight(): GET /api/v1/oversight with the agent token, parsed strictly."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time

import pytest

from expacti import (
    AsyncExpactiClient,
    ExpactiAuthenticationError,
    ExpactiClient,
    ExpactiConnectionError,
    ExpactiProtocolError,
    Oversight,
    WorkingHours,
)
from expacti._http import api_url
from expacti._oversight import parse_oversight
from factories import make_oversight_report as report
from http_peer import http_peer
from peer import TOKEN

EXPECTED = Oversight(
    available=True,
    reviewers_online=3,
    eligible_online=2,
    senior_online=1,
    within_working_hours=True,
    working_hours=WorkingHours(
        timezone="Europe/Berlin", days=(1, 2, 3, 4, 5), start=time(9, 0), end=time(17, 30)
    ),
    timeout_seconds=300,
    timeout_action="escalate",
    checked_at=datetime(2026, 11, 21, 10, 0, tzinfo=UTC),
)


def test_a_full_report_parses() -> None:
    assert parse_oversight(json.dumps(report())) == EXPECTED


def test_without_working_hours_both_are_none_and_unknown_fields_are_ignored() -> None:
    body = report(within_working_hours=None, working_hours=None, added_in_v2={"x": 1})
    parsed = parse_oversight(json.dumps(body))
    assert (parsed.within_working_hours, parsed.working_hours) == (None, None)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[]", "not a JSON object"),
        ("{", "not JSON"),
        ('{"available": true, "available": false}', "not JSON"),
        (json.dumps(report(available="yes")), "available: expected a boolean"),
        (json.dumps(report(eligible_online=-1)), "eligible_online"),
        (json.dumps(report(senior_online=1.5)), "senior_online"),
        (json.dumps(report(within_working_hours="no")), "within_working_hours"),
        (json.dumps(report(timeout_action="approve")), "unknown action 'approve'"),
        (json.dumps(report(checked_at="2026-11-21T10:00:00")), "time zone"),
        (json.dumps(report(working_hours=[9, 17])), "working_hours: expected an object"),
        (json.dumps(report(working_hours=report()["working_hours"] | {"days": [0]})), "days"),
        (json.dumps(report(working_hours=report()["working_hours"] | {"days": [True]})), "days"),
        (json.dumps(report(working_hours=report()["working_hours"] | {"start": "9:00"})), "HH:MM"),
        (json.dumps(report(working_hours=report()["working_hours"] | {"end": "24:00"})), "HH:MM"),
        (json.dumps({k: v for k, v in report().items() if k != "working_hours"}), "missing"),
    ],
)
def test_an_invalid_report_is_a_protocol_error(body: str, problem: str) -> None:
    with pytest.raises(ExpactiProtocolError, match="invalid oversight report") as info:
        parse_oversight(body)
    assert problem in str(info.value)


@pytest.mark.parametrize(
    ("ws_url", "http_url"),
    [
        ("ws://h:3001/shell/ws", "http://h:3001/api/v1/oversight"),
        ("wss://h/expacti/shell/ws/", "https://h/expacti/api/v1/oversight"),
    ],
)
def test_the_report_lives_beside_the_websocket(ws_url: str, http_url: str) -> None:
    assert api_url(ws_url, "/api/v1/oversight") == http_url


async def test_the_async_client_asks_with_the_agent_token() -> None:
    with http_peer(200, report()) as peer:
        async with AsyncExpactiClient(peer.ws_url, TOKEN) as client:
            assert await client.oversight() == EXPECTED
    assert peer.seen == [("/api/v1/oversight", f"Bearer {TOKEN}")]


async def test_the_blocking_client_asks_the_same() -> None:
    body = report(available=False, eligible_online=0, timeout_action="deny")
    with http_peer(200, body) as peer:
        client = ExpactiClient(url=peer.ws_url, token=TOKEN)
        try:
            result = await asyncio.to_thread(client.oversight)
        finally:
            await asyncio.to_thread(client.close)
    assert (result.available, result.eligible_online, result.timeout_action) == (False, 0, "deny")


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (401, ExpactiAuthenticationError, "refused the token when asked for the oversight"),
        (403, ExpactiAuthenticationError, "HTTP 403: agents only"),
        (404, ExpactiProtocolError, "offers no oversight report"),
        (503, ExpactiConnectionError, "HTTP 503: agents only"),
    ],
)
async def test_http_errors_map_to_the_sdk_errors(
    status: int, error: type[Exception], message: str
) -> None:
    body = {"error": {"code": "x", "message": "agents\nonly", "details": {}}}
    with http_peer(status, body) as peer:
        async with AsyncExpactiClient(peer.ws_url, TOKEN) as client:
            with pytest.raises(error, match=message) as info:
                await client.oversight()
    if isinstance(info.value, ExpactiAuthenticationError):
        assert info.value.status_code == status
    if isinstance(info.value, ExpactiProtocolError):
        assert info.value.code == "not_found"


async def test_an_unreachable_server_and_a_closed_client_are_connection_errors() -> None:
    with http_peer(200, report()) as peer:
        url = peer.ws_url
    async with AsyncExpactiClient(url, TOKEN, connect_timeout=1) as client:
        with pytest.raises(ExpactiConnectionError, match="could not fetch the oversight report"):
            await client.oversight()
    with pytest.raises(ExpactiConnectionError, match="client closed"):
        await client.oversight()
