"""Telling reviewers' screens about queue changes, and noting in the audit log who was told."""

from __future__ import annotations

import asyncio
from datetime import datetime

import structlog

from expacti_server.audit import service as audit
from expacti_server.audit.actor import SYSTEM
from expacti_server.commands.record import CommandRecord
from expacti_server.commands.schemas import CommandView
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.realtime.reviewer_feed import ReviewerFeed

log = structlog.get_logger(__name__)


def frame(kind: str, record: CommandRecord) -> str:
    """One reviewer-feed frame about ``record``: ``pending`` or ``decided``."""
    return f'{{"type":"{kind}","command":{CommandView.of(record).model_dump_json()}}}'


class ReviewerNews:
    """Publishes new and decided commands to the reviewer feed.

    Only ever called after the change has committed, so a screen never shows
    a command the database does not have, nor keeps one that is decided.
    """

    def __init__(self, feed: ReviewerFeed, database: Database) -> None:
        self.feed = feed
        self._db = database
        self._writes: set[asyncio.Task[None]] = set()

    def pending(self, record: CommandRecord) -> None:
        """A command now waits for a human."""
        if not self.feed.watching(record.org_id):
            return  # nobody to tell: skip encoding the frame
        told = self.feed.publish(record.org_id, frame("pending", record))
        if told:
            # Off the submit path: the agent must not wait for this bookkeeping.
            # Stamped now, when the screens were handed the command, not when written.
            task = asyncio.ensure_future(self._record_notified(record, told, utcnow()))
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)

    def decided(self, record: CommandRecord) -> None:
        """A command left the queue."""
        if self.feed.watching(record.org_id):
            self.feed.publish(record.org_id, frame("decided", record))

    async def drain(self) -> None:
        """Wait for pending audit writes (at shutdown)."""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    async def _record_notified(self, record: CommandRecord, screens: int, at: datetime) -> None:
        try:
            async with self._db.write() as conn:
                await audit.record(
                    conn,
                    org_id=record.org_id,
                    actor=SYSTEM,
                    action="command.notified",
                    command_id=record.id,
                    data={"channel": "web", "screens": screens},
                    at=at,
                )
        except Exception:  # the notice was delivered; only its audit note is lost
            log.exception("notified_audit_failed", command_id=record.id)
