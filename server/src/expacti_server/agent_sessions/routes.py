"""HTTP routes of agent sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from expacti_server.agent_sessions.schemas import (
    AgentSessionDetail,
    AgentSessionList,
    SessionEndBody,
    SessionState,
)
from expacti_server.api.auth import AgentPrincipal, AnyPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1/sessions", tags=["sessions"], responses=ERROR_RESPONSES)


@router.get("", response_model=AgentSessionList)
async def list_sessions(
    principal: AnyPrincipal,
    services: ServicesDep,
    agent: Annotated[str | None, Query(max_length=200)] = None,
    status: SessionState | None = None,
    before: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AgentSessionList:
    """Sessions, most recently active first; an agent sees its own."""
    return await services.sessions.list(
        principal, agent=agent, status=status, before=before, limit=limit
    )


@router.post("/end", status_code=204, response_class=Response)
async def end_session(body: SessionEndBody, agent: AgentPrincipal, services: ServicesDep) -> None:
    """Mark one of the agent's sessions completed or failed (by the id the agent chose)."""
    await services.sessions.end(agent, body.session_id, body.status)


@router.get("/{session_id}", response_model=AgentSessionDetail)
async def get_session(
    session_id: str, principal: AnyPrincipal, services: ServicesDep
) -> AgentSessionDetail:
    """A session with its commands and their decisions, oldest first."""
    return await services.sessions.get(principal, session_id)
