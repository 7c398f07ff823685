"""The tables of recordings and of the executions (command runs) recorded in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from expacti_server.db.base import Base, UTCDateTime


class Recording(Base):
    """One asciicast file: an agent session's terminal, or one command run outside a session."""

    __tablename__ = "recordings"
    __table_args__ = (
        Index("ix_recordings_org_started", "org_id", "started_at"),
        Index("ix_recordings_session", "session_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    agent_id: Mapped[str] = mapped_column(String(40))
    agent_name: Mapped[str] = mapped_column(String(200))
    session_id: Mapped[str | None] = mapped_column(String(40))  # agent_sessions.id
    command_id: Mapped[str] = mapped_column(String(40))  # the first command recorded
    title: Mapped[str] = mapped_column(Text)
    store_key: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))  # live | finished
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[float] = mapped_column(default=0.0)
    bytes: Mapped[int] = mapped_column(BigInteger(), default=0)
    truncated: Mapped[bool] = mapped_column(default=False)
    width: Mapped[int]
    height: Mapped[int]
    input_captured: Mapped[bool] = mapped_column(default=False)
    commands: Mapped[int] = mapped_column(default=0)


class Execution(Base):
    """One approved command run on the agent's machine, and where it sits in its recording."""

    __tablename__ = "executions"
    __table_args__ = (Index("ix_executions_recording", "recording_id", "offset_seconds"),)

    command_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    agent_id: Mapped[str] = mapped_column(String(40))
    recording_id: Mapped[str] = mapped_column(String(40))
    offset_seconds: Mapped[float]  # the command's marker, seconds into the recording
    label: Mapped[str] = mapped_column(Text)
    cols: Mapped[int]
    rows: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    exit_code: Mapped[int | None]
    duration_ms: Mapped[float | None]
    output_bytes: Mapped[int] = mapped_column(BigInteger(), default=0)
    last_seq: Mapped[int] = mapped_column(default=0)
