"""A reviewer's browser, minus the browser: a web session and the live queue socket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

CSRF = {"X-Expacti-CSRF": "1"}


async def sign_in(http: httpx.AsyncClient, token: str) -> str:
    """Sign in as the web app does; returns the session cookie's value."""
    response = await http.post("/api/v1/session", json={"token": token}, headers=CSRF)
    assert response.status_code == 200, response.text
    cookie = response.cookies.get("expacti_session")
    assert cookie
    http.cookies.clear()  # each test passes the cookie explicitly
    return cookie


class ReviewerScreen:
    """The queue socket, frame by frame."""

    def __init__(self, ws: ClientConnection, snapshot: dict[str, Any]) -> None:
        self.ws = ws
        self.snapshot = snapshot

    @classmethod
    async def open(
        cls, ws_base: str, *, cookie: str | None = None, headers: dict[str, str] | None = None
    ) -> ReviewerScreen:
        extra = dict(headers or {})
        if cookie is not None:
            extra["Cookie"] = f"expacti_session={cookie}"
        ws = await websockets.connect(
            f"{ws_base}/api/v1/reviewer/ws", additional_headers=extra, max_size=None
        )
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert snapshot["type"] == "snapshot"
        return cls(ws, snapshot)

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        return frame

    async def next_of(self, kind: str, command_id: str, timeout: float = 10) -> dict[str, Any]:
        """The next frame of ``kind`` about ``command_id``, skipping others."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.recv(timeout)
                if frame["type"] == kind and frame["command"]["id"] == command_id:
                    return frame

    async def close(self) -> None:
        await self.ws.close()
