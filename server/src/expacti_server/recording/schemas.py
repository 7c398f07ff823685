"""API shapes of recordings."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class RecordingSummary(BaseModel):
    """One recording: an agent session's terminal, or one command run outside a session."""

    id: str
    agent_id: str
    agent_name: str
    session_id: str | None = Field(description="The agent session (ses_…) it records, if any.")
    command_id: str = Field(description="The first command recorded in it.")
    title: str
    status: Literal["live", "finished"]
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: float
    bytes: int
    truncated: bool = Field(description="The size cap was reached; the file says where.")
    width: int
    height: int
    input_captured: bool
    commands: int


class RecordingMarker(BaseModel):
    """A command boundary in a recording."""

    time: float = Field(description="Seconds from the start of the recording.")
    label: str = Field(description="The command that ran (the edited text if it was edited).")
    command_id: str
    exit_code: int | None
    finished: bool


class RecordingDetail(RecordingSummary):
    """A recording with the commands that ran in it."""

    markers: list[RecordingMarker]


class RecordingList(BaseModel):
    """A page of recordings, newest first."""

    items: list[RecordingSummary]
    next_before: str | None
