"""Telling reviewers' screens about queue changes, and noting in the audit log who was told."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import structlog

from expacti_server.approvals.audience import deciders, tier
from expacti_server.audit import service as audit
from expacti_server.audit.actor import SYSTEM
from expacti_server.commands.record import CommandRecord
from expacti_server.commands.schemas import CommandView
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.identity.roles import ReviewerRole
from expacti_server.realtime.reviewer_feed import ReviewerFeed

log = structlog.get_logger(__name__)


def frame(kind: str, record: CommandRecord, **extra: str) -> str:
    """One reviewer-feed frame about ``record``: ``pending``, ``decided`` or ``escalated``."""
    fields = "".join(f',"{name}":{json.dumps(value)}' for name, value in extra.items())
    return f'{{"type":"{kind}","command":{CommandView.of(record).model_dump_json()}{fields}}}'


class ReviewerNews:
    """Publishes new and decided commands to the reviewer feed.

    Only ever called after the change has committed, so a screen never shows
    a command the database does not have, nor keeps one that is decided.
    """

    def __init__(self, feed: ReviewerFeed, database: Database) -> None:
        self.feed = feed
        self._db = database
        self._writes: set[asyncio.Task[None]] = set()

    def pending(self, record: CommandRecord, owner: str | None) -> None:
        """A command now waits for a human: shown to those who may decide it."""
        if not self.feed.watching(record.org_id):
            return  # nobody to tell: skip encoding the frame
        told = self.feed.publish(record.org_id, frame("pending", record), deciders(record, owner))
        if told:
            # Off the submit path: the agent must not wait for this bookkeeping.
            # Stamped now, when the screens were handed the command, not when written.
            task = asyncio.ensure_future(self._record_notified(record, told, utcnow()))
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)

    def updated(self, record: CommandRecord, owner: str | None) -> None:
        """A pending command changed (a partial approval, an edit): its card is replaced."""
        if self.feed.watching(record.org_id):
            self.feed.publish(record.org_id, frame("pending", record), deciders(record, owner))

    def escalated(self, record: CommandRecord, owner: str | None, next_tier: ReviewerRole) -> None:
        """Nobody decided in time: the next tier is alerted, everyone sees the new deadline."""
        if not self.feed.watching(record.org_id):
            return
        alerted = tier(record, next_tier, owner)
        everyone_else = deciders(record, owner)
        self.feed.publish(record.org_id, frame("escalated", record, tier=next_tier.value), alerted)
        self.feed.publish(
            record.org_id,
            frame("pending", record),
            lambda viewer: everyone_else(viewer) and not alerted(viewer),
        )

    def decided(self, record: CommandRecord) -> None:
        """A command left the queue: every screen hears it, timeouts included."""
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
