"""Which past commands a whitelist rule would have approved, before it is saved.

The preview runs the real matcher over the organisation's most recent
commands with the org's live rules, once without and once with the draft: a
command counts when the draft makes it approvable and the rules already in
force did not. So a rule that only completes a compound command together with
an existing rule (``cd /srv`` is whitelisted; the draft is ``make deploy``;
``cd /srv && make deploy`` was denied) is caught as well.

The work is bounded: at most the newest ``SCAN_LIMIT`` commands, paged so
memory stays flat, on one worker thread of its own (so previews cannot starve
the threads that analyse incoming commands), within ``BUDGET_SECONDS``. A
preview that runs out of time says so, and the denied-match check then fails
closed: the reviewer must confirm.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
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
from expacti_server.whitelist.cache import WhitelistCache

SCAN_LIMIT = 10_000
BATCH = 500
BUDGET_SECONDS = 5.0
LISTED_MATCHES = 50
DENIED_EXAMPLES = 5
DRAFT_ID = "draft"


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
    truncated: bool  # older commands exist beyond SCAN_LIMIT
    complete: bool  # False when the time budget ran out first
    matches: list[CommandRecord]  # newest first, at most LISTED_MATCHES
    denied: list[CommandRecord]  # newest first, at most DENIED_EXAMPLES


class RulePreviewer:
    """Runs drafts against history with the org's live rules."""

    def __init__(
        self, database: Database, targets: TargetGroupService, cache: WhitelistCache
    ) -> None:
        self._db = database
        self._targets = targets
        self._cache = cache
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rule-preview")

    async def preview(
        self,
        org_id: str,
        draft: RuleDraft,
        *,
        exclude_command_id: str | None = None,
        replacing_rule_id: str | None = None,
    ) -> Preview:
        """Match ``draft`` (in place of ``replacing_rule_id``, if given) against history.

        InvalidPattern or InvalidRequest if the draft cannot be compiled.
        """
        rule = IndexedRule(
            id=DRAFT_ID,
            pattern=compile_pattern(draft.pattern, draft.type),
            scope=Scope.parse(draft.scope),
            expires_at=None,
        )
        # Copied here, on the event loop: the live index is not thread-safe.
        live = [r for r in self._cache.index_for(org_id).rules() if r.id != replacing_rule_id]
        without, with_draft = WhitelistIndex(live), WhitelistIndex([*live, rule])
        tally = _Tally(deadline=time.monotonic() + BUDGET_SECONDS)
        loop = asyncio.get_running_loop()
        before: str | None = None
        while tally.scanned < SCAN_LIMIT and tally.complete:
            async with self._db.read() as conn:
                batch = await queries.recent(
                    conn, org_id, before=before, limit=min(BATCH, SCAN_LIMIT - tally.scanned)
                )
            if not batch:
                break
            before = batch[-1].id
            batch = [r for r in batch if r.id != exclude_command_id]
            await loop.run_in_executor(
                self._worker, self._scan, org_id, without, with_draft, batch, tally
            )
        else:
            if tally.complete:
                async with self._db.read() as conn:
                    older = await queries.recent(conn, org_id, before=before, limit=1)
                tally.truncated = bool(older)
        return Preview(
            matched=tally.matched,
            denied_matched=tally.denied_matched,
            scanned=tally.scanned,
            truncated=tally.truncated,
            complete=tally.complete,
            matches=tally.matches,
            denied=tally.denied,
        )

    async def refuse_if_denied_matches(
        self,
        org_id: str,
        draft: RuleDraft,
        *,
        exclude_command_id: str | None = None,
        replacing_rule_id: str | None = None,
    ) -> None:
        """RuleMatchesDenied when ``draft`` would have approved a command a human denied,
        or when that could not be checked in time (fail closed)."""
        result = await self.preview(
            org_id,
            draft,
            exclude_command_id=exclude_command_id,
            replacing_rule_id=replacing_rule_id,
        )
        examples = [{"id": r.id, "command": r.command[:500]} for r in result.denied]
        if result.denied_matched:
            raise RuleMatchesDenied(
                f"this rule would have approved {result.denied_matched} command(s) that were "
                "denied; send confirm_denied_matches: true to save it anyway",
                denied_matched=result.denied_matched,
                examples=examples,
                complete=result.complete,
            )
        if not result.complete:
            raise RuleMatchesDenied(
                f"history could not be checked within {BUDGET_SECONDS:g} s "
                f"({result.scanned} commands checked, none denied); "
                "send confirm_denied_matches: true to save the rule anyway",
                denied_matched=0,
                examples=[],
                complete=False,
            )

    def close(self) -> None:
        """Stop the worker thread (at shutdown)."""
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _scan(
        self,
        org_id: str,
        without: WhitelistIndex,
        with_draft: WhitelistIndex,
        records: list[CommandRecord],
        tally: _Tally,
    ) -> None:
        now = time.time()
        for record in records:
            if time.monotonic() > tally.deadline:
                tally.complete = False
                return
            tally.scanned += 1
            if record.encrypted is not None:
                continue  # its ``command`` is a label; the server does not know the text
            parsed = parse_command(record.command)
            groups = self._targets.groups_of(org_id, record.target)
            if with_draft.match(parsed, target=record.target, target_groups=groups, now=now) and (
                without.match(parsed, target=record.target, target_groups=groups, now=now) is None
            ):
                tally.add(record)


@dataclass(slots=True)
class _Tally:
    deadline: float
    matched: int = 0
    denied_matched: int = 0
    scanned: int = 0
    truncated: bool = False
    complete: bool = True
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
