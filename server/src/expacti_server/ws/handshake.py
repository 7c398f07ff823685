"""Refusing a WebSocket handshake with the same JSON error body as HTTP."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket

from expacti_server.errors import ExpactiError


async def refuse(websocket: WebSocket, error: ExpactiError) -> None:
    """Answer the handshake with the error's HTTP status and body (close 1008 if we can't)."""
    response = JSONResponse({"error": error.to_dict()}, status_code=error.status_code)
    try:
        await websocket.send_denial_response(response)
    except RuntimeError:
        await websocket.close(code=1008, reason=error.code)
