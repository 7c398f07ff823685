"""A raw protocol client for server tests (the SDK has its own tests against the server)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection


class RawAgent:
    """Speaks the wire protocol frame by frame."""

    def __init__(self, ws: ClientConnection, hello: dict[str, Any]) -> None:
        self.ws = ws
        self.hello = hello

    @classmethod
    async def connect(cls, url: str, token: str) -> RawAgent:
        ws = await websockets.connect(
            url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None
        )
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert hello["type"] == "hello"
        return cls(ws, hello)

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        return frame

    async def submit(self, request_id: str, command: str, **fields: Any) -> dict[str, Any]:
        """Send a submit; return the first reply (accepted, decision or error)."""
        await self.send({"type": "submit", "request_id": request_id, "command": command, **fields})
        return await self.recv()

    async def submit_for(self, request_id: str, command: str, **fields: Any) -> dict[str, Any]:
        """Send a submit; return the first reply about it, skipping frames about others."""
        await self.send({"type": "submit", "request_id": request_id, "command": command, **fields})
        while True:
            frame = await self.recv()
            if frame.get("request_id") == request_id:
                return frame

    async def close(self) -> None:
        await self.ws.close()
