"""Which past commands a whitelist rule would have approved, before it is saved.

The preview runs the real matcher (the same index the hot path uses) over the
organisation's most recent commands, so what a reviewer sees is exactly what
the rule would do: a compound command counts only when every part matches.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from expacti_server.commands import queries
from expacti_server.commands.record import CommandRecord
from expacti_server.commands.status import Status
from expacti_server.db.engine import Database
from expacti_server.errors import RuleMatchesDenied
from expacti_server.policy.patterns import RuleType, compile_pattern
from expacti_server.policy.shell import parse_command
from expacti_server.policy.whitelist_index import IndexedRule, Scope, WhitelistIndex
from expacti_server.targets.service import TargetGroupService

SCAN_LIMIT = 10_000
BATCH = 500
LISTED_MATCHES = 50
DENIED_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class RuleDraft:
    """A rule as it would be saved."""

    pattern: str
    type: RuleType
    scope: str


@dataclass(frozen=True, slots=True)
class Preview:
    """What a draft rule would have matched among the newest ``scanned`` commands."""

    matched: int
    denied_matched: int
    scanned: int
    truncated: bool
    matches: list[CommandRecord]  # newest first, at most LISTED_MATCHES
    denied: list[CommandRecord]  # newest first, at most DENIED_EXAMPLES


class RulePreviewer:
    """Runs drafts against history; the parse and match work runs off the event loop."""

    def __init__(self, database: Database, targets: TargetGroupService) -> None:
        self._db = database
        self._targets = targets

    async def preview(
        self, org_id: str, draft: RuleDraft, *, exclude_command_id: str | None = None
    ) -> Preview:
        """Match ``draft`` against the newest commands; InvalidPattern if it cannot compile."""
        rule = IndexedRule(
            id="preview",
            pattern=compile_pattern(draft.pattern, draft.type),
            scope=Scope.parse(draft.scope),
            expires_at=None,
        )
        tally = _Tally()
        before: str | None = None
        # Page through history so memory stays bounded however long the commands are.
        while tally.scanned < SCAN_LIMIT:
            async with self._db.read() as conn:
                batch = await queries.recent(
                    conn, org_id, before=before, limit=min(BATCH, SCAN_LIMIT - tally.scanned)
                )
            if not batch:
                break
            before = batch[-1].id
            batch = [r for r in batch if r.id != exclude_command_id]
            await asyncio.to_thread(self._scan, org_id, rule, batch, tally)
            tally.scanned += len(batch)
        else:
            async with self._db.read() as conn:
                tally.truncated = bool(await queries.recent(conn, org_id, before=before, limit=1))
        return Preview(
            matched=tally.matched,
            denied_matched=tally.denied_matched,
            scanned=tally.scanned,
            truncated=tally.truncated,
            matches=tally.matches,
            denied=tally.denied,
        )

    async def refuse_if_denied_matches(
        self, org_id: str, draft: RuleDraft, *, exclude_command_id: str | None = None
    ) -> None:
        """RuleMatchesDenied when ``draft`` would have approved a command a human denied."""
        result = await self.preview(org_id, draft, exclude_command_id=exclude_command_id)
        if result.denied_matched:
            raise RuleMatchesDenied(
                f"this rule would have approved {result.denied_matched} command(s) that were "
                "denied; send confirm_denied_matches: true to save it anyway",
                denied_matched=result.denied_matched,
                examples=[{"id": r.id, "command": r.command[:500]} for r in result.denied],
            )

    def _scan(
        self, org_id: str, rule: IndexedRule, records: list[CommandRecord], tally: _Tally
    ) -> None:
        index = WhitelistIndex([rule])
        now = time.time()
        for record in records:
            if record.encrypted is not None:
                continue  # its ``command`` is a label; the server does not know the text
            hit = index.match(
                parse_command(record.command),
                target=record.target,
                target_groups=self._targets.groups_of(org_id, record.target),
                now=now,
            )
            if hit is not None:
                tally.add(record)


@dataclass(slots=True)
class _Tally:
    matched: int = 0
    denied_matched: int = 0
    scanned: int = 0
    truncated: bool = False
    matches: list[CommandRecord] = field(default_factory=list)
    denied: list[CommandRecord] = field(default_factory=list)

    def add(self, record: CommandRecord) -> None:
        self.matched += 1
        if len(self.matches) < LISTED_MATCHES:
            self.matches.append(record)
        if record.status == Status.DENIED:
            self.denied_matched += 1
            if len(self.denied) < DENIED_EXAMPLES:
                self.denied.append(record)
