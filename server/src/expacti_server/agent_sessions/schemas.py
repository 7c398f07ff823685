"""API shapes of agent sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SessionState = Literal["active", "completed", "failed"]


class SessionCommandView(BaseModel):
    """One command of a session, as the session's story shows it."""

    id: str
    command: str
    status: str
    step: int | None = Field(description="The session's current_step when it was submitted.")
    created_at: datetime
    decided_at: datetime | None
    reviewer: str | None
    whitelisted: bool
    edited: bool


class AgentSessionSummary(BaseModel):
    """A session: its goal, steps and where the agent is."""

    id: str
    client_id: str = Field(description="The id the agent gave the session.")
    agent: str
    goal: str | None
    steps: list[str]
    current_step: int | None
    status: SessionState
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    commands: int = Field(description="How many commands it has so far.")


class AgentSessionDetail(AgentSessionSummary):
    """A session and its commands, oldest first (the newest 500)."""

    items: list[SessionCommandView]


class AgentSessionList(BaseModel):
    """Sessions, most recently active first."""

    items: list[AgentSessionSummary]
    next_before: str | None = Field(description="Pass as ?before= for the next page.")


class SessionEndBody(BaseModel):
    """An agent closing a session (the HTTP twin of the session_end frame)."""

    model_config = ConfigDict(extra="forbid")

    session_id: str = Field(min_length=1, max_length=128)
    # Required, as on the socket: a client that forgot it must not end a session as done.
    status: Literal["completed", "failed"]
