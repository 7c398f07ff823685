"""HTTP routes and the live WebSocket of recordings (reviewers, auditors included)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from expacti_server.api.auth import ReviewerPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.errors import ExpactiError
from expacti_server.recording.queries import get_recording, list_recordings, recording_file
from expacti_server.recording.schemas import RecordingDetail, RecordingList
from expacti_server.recording.store import RecordingStore
from expacti_server.services import Services
from expacti_server.ws.handshake import refuse
from expacti_server.ws.reviewer import CLOSE_TRY_AGAIN_LATER, authenticate_reviewer, check_origin

router = APIRouter(prefix="/api/v1/recordings", tags=["recordings"], responses=ERROR_RESPONSES)

CAST_MEDIA_TYPE = "application/x-asciicast"
CLOSE_NORMAL = 1000


@router.get("", response_model=RecordingList)
async def list_all(
    reviewer: ReviewerPrincipal,
    services: ServicesDep,
    agent_id: Annotated[str | None, Query(max_length=40)] = None,
    session_id: Annotated[str | None, Query(max_length=40)] = None,
    command_id: Annotated[str | None, Query(max_length=40)] = None,
    before: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RecordingList:
    """Recordings of the organisation, newest first."""
    return await list_recordings(
        services.database,
        org_id=reviewer.org_id,
        agent_id=agent_id,
        session_id=session_id,
        command_id=command_id,
        before=before,
        limit=limit,
    )


@router.get("/{recording_id}", response_model=RecordingDetail)
async def get_one(
    recording_id: str, reviewer: ReviewerPrincipal, services: ServicesDep
) -> RecordingDetail:
    """One recording with a marker per command that ran in it."""
    return await get_recording(services.database, org_id=reviewer.org_id, recording_id=recording_id)


@router.get(
    "/{recording_id}/cast",
    response_class=StreamingResponse,
    responses={200: {"content": {CAST_MEDIA_TYPE: {}}, "description": "The asciicast v2 file."}},
)
async def get_cast(
    recording_id: str,
    reviewer: ReviewerPrincipal,
    services: ServicesDep,
    download: bool = False,
) -> StreamingResponse:
    """The recording as an asciicast v2 file (as written so far, if it is still live)."""
    key, status = await recording_file(
        services.database, org_id=reviewer.org_id, recording_id=recording_id
    )
    store = services.recordings.store
    size = await store.size(key)  # what is complete now; a live file keeps growing
    headers = {"X-Recording-Status": status, "Cache-Control": "no-store"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{recording_id}.cast"'
    return StreamingResponse(store.read(key, 0, size), media_type=CAST_MEDIA_TYPE, headers=headers)


async def recording_live_socket(websocket: WebSocket) -> None:
    """``/api/v1/recordings/{id}/live``: the header, every event so far, then new events as
    they are written; closed with 1000 when the recording finishes."""
    services: Services = websocket.app.state.services
    recording_id = websocket.path_params["recording_id"]
    try:
        check_origin(websocket, services.settings.public_url)
        principal, _ = await authenticate_reviewer(websocket, services)
        key, _ = await recording_file(
            services.database, org_id=principal.org_id, recording_id=recording_id
        )
    except ExpactiError as error:
        await refuse(websocket, error)
        return
    await websocket.accept()
    live = await services.recordings.watchable(principal.org_id, recording_id)
    size: int | None = None
    watcher = None
    if live is not None:
        async with live.lock:
            if services.recordings.live(recording_id) is live:
                size, watcher = live.watch()
    store = services.recordings.store
    gone = asyncio.Event()
    listener = asyncio.create_task(_until_disconnect(websocket, gone))
    try:
        async for line in _lines(store, key, size):
            await websocket.send_text(line)
        code = CLOSE_NORMAL
        while watcher is not None and not gone.is_set():
            try:
                item = await asyncio.wait_for(watcher.queue.get(), 1.0)
            except TimeoutError:
                if watcher.lagging:
                    code = CLOSE_TRY_AGAIN_LATER
                    break
                continue
            if item is None:
                break
            await websocket.send_text(item.decode().rstrip("\n"))
        if not gone.is_set():
            await websocket.close(code)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        if live is not None and watcher is not None:
            live.watchers.discard(watcher)
        listener.cancel()
        with suppress(asyncio.CancelledError):
            await listener


async def _until_disconnect(websocket: WebSocket, gone: asyncio.Event) -> None:
    with suppress(WebSocketDisconnect, RuntimeError):
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    gone.set()


async def _lines(store: RecordingStore, key: str, end: int | None) -> AsyncIterator[str]:
    """Complete lines of the file up to ``end`` (a torn last line is left out)."""
    rest = b""
    async for chunk in store.read(key, 0, end):
        rest += chunk
        *complete, rest = rest.split(b"\n")
        for line in complete:
            if line:
                yield line.decode()
