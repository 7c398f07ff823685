"""Keeping each organisation's rule suggestions current, and acting on them.

After every decision the org's suggestions are recomputed in the background
(debounced, one run at a time per org): the newest decided commands are
read, the engine runs on a worker thread of its own, and the results are
stored by fingerprint. A suggestion a reviewer accepted or dismissed is
never offered again, nor is one that was withdrawn because a denied or
high-risk command came to match it.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import structlog

from expacti_server.audit import service as audit
from expacti_server.commands.record import CommandRecord
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.errors import RuleMatchesDenied
from expacti_server.identity.principal import Principal
from expacti_server.policy.patterns import RuleType
from expacti_server.policy.whitelist_index import IndexedRule
from expacti_server.suggestions import store
from expacti_server.suggestions.engine import Proposal, Thresholds, fingerprint, propose
from expacti_server.suggestions.models import RuleSuggestion
from expacti_server.suggestions.replay import History, Replay, replay
from expacti_server.suggestions.schemas import SuggestionFilter, SuggestionStatus
from expacti_server.targets.service import TargetGroupService
from expacti_server.whitelist.cache import WhitelistCache
from expacti_server.whitelist.models import WhitelistRule
from expacti_server.whitelist.preview import RuleDraft, RulePreviewer
from expacti_server.whitelist.schemas import WhitelistRuleCreate
from expacti_server.whitelist.service import insert_rule

__all__ = ["SuggestionService"]

log = structlog.get_logger(__name__)

HISTORY_LIMIT = 5000
DEBOUNCE_SECONDS = 0.5
LIST_LIMIT = 500


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What one recompute found, before it is stored."""

    proposals: list[Proposal]
    rechecked: dict[str, Replay]  # open suggestions not proposed again, by fingerprint
    live: frozenset[str]  # fingerprints of the rules in force


class SuggestionService:
    """Learns rules from decisions; lists, accepts and dismisses the suggestions."""

    def __init__(
        self,
        database: Database,
        cache: WhitelistCache,
        previewer: RulePreviewer,
        targets: TargetGroupService,
        *,
        thresholds: Thresholds | None = None,
        debounce_seconds: float = DEBOUNCE_SECONDS,
        history_limit: int = HISTORY_LIMIT,
    ) -> None:
        self._db = database
        self._cache = cache
        self._previewer = previewer
        self._targets = targets
        self._thresholds = thresholds or Thresholds()
        self.debounce_seconds = debounce_seconds  # quiet time before a background recompute
        self._history_limit = history_limit
        self._scheduled: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        # Its own thread, so that learning never delays the analysis of incoming commands.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="suggestions")

    # ------------------------------------------------------------ background

    def observe(self, record: CommandRecord) -> None:
        """A command was decided: recompute its org's suggestions soon (never blocks)."""
        self._schedule(record.org_id)

    def _schedule(self, org_id: str) -> None:
        self._dirty.add(org_id)
        if org_id not in self._scheduled:
            self._scheduled[org_id] = asyncio.get_running_loop().create_task(self._run(org_id))

    async def _run(self, org_id: str) -> None:
        """Recompute after a quiet ``debounce``, again while decisions keep arriving."""
        try:
            while org_id in self._dirty:
                await asyncio.sleep(self.debounce_seconds)
                self._dirty.discard(org_id)
                try:
                    await self.recompute(org_id)
                except Exception:
                    log.exception("suggestions_recompute_failed", org_id=org_id)
        finally:
            del self._scheduled[org_id]

    async def settle(self) -> None:
        """Wait until no recompute is scheduled or running (tests, shutdown)."""
        while self._scheduled:
            await asyncio.gather(*self._scheduled.values())

    async def aclose(self) -> None:
        """Finish the scheduled work, then stop the worker thread."""
        await self.settle()
        self._worker.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------ recompute

    async def recompute(self, org_id: str) -> None:
        """Bring the org's suggestions up to date with its history and rules."""
        async with self._locks.setdefault(org_id, asyncio.Lock()):
            async with self._db.read() as conn:
                rows = await store.history(conn, org_id, limit=self._history_limit)
                stored = await store.by_fingerprint(conn, org_id)
            # Copied here, on the event loop: the live index and the groups are not thread-safe.
            rules = self._cache.index_for(org_id).rules()
            targets = {row.target for row in rows if row.target is not None}
            groups = {target: self._targets.groups_of(org_id, target) for target in targets}
            outcome = await asyncio.get_running_loop().run_in_executor(
                self._worker, self._evaluate, History(rows, groups), rules, stored
            )
            now = utcnow()
            async with self._db.write() as conn:
                for proposal in outcome.proposals:
                    current = stored.get(proposal.fingerprint)
                    if current is None:
                        await store.insert(conn, org_id, proposal, now)
                    else:  # open: the engine skips every other status
                        await store.refresh(conn, current.id, proposal, now)
                for key, result in outcome.rechecked.items():
                    if not result.safe or key in outcome.live:
                        await store.withdraw(conn, stored[key], result, now)

    def _evaluate(
        self, history: History, rules: tuple[IndexedRule, ...], stored: dict[str, RuleSuggestion]
    ) -> _Outcome:
        """On the worker thread: the proposals, and a replay of each open one not proposed."""
        now = time.time()
        final = {key for key, s in stored.items() if s.status != SuggestionStatus.OPEN}
        proposals = propose(history, rules=rules, now=now, skip=final, thresholds=self._thresholds)
        proposed = {p.fingerprint for p in proposals}
        rechecked = {
            key: replay(
                history,
                pattern=s.pattern,
                rule_type=RuleType(s.type),
                scope=s.scope,
                rules=rules,
                now=now,
                replacing_rule_id=s.upgrade_of_rule_id,
            )
            for key, s in stored.items()
            if s.status == SuggestionStatus.OPEN and key not in proposed
        }
        live = frozenset(
            fingerprint(r.pattern.source, r.pattern.type, str(r.scope))
            for r in rules
            if r.expires_at is None or r.expires_at > now
        )
        return _Outcome(proposals, rechecked, live)

    # ------------------------------------------------------------ requests

    async def refresh(self, principal: Principal) -> list[RuleSuggestion]:
        """Recompute now; the open suggestions after it."""
        await self.recompute(principal.org_id)
        return await self.list(principal)

    async def list(
        self,
        principal: Principal,
        *,
        status: SuggestionFilter = SuggestionFilter.OPEN,
        target: str | None = None,
        limit: int = LIST_LIMIT,
    ) -> list[RuleSuggestion]:
        """The org's suggestions, newest first, optionally of one status and one target."""
        async with self._db.read() as conn:
            return await store.listed(
                conn, principal.org_id, status=status, target=target, limit=limit
            )

    async def accept(
        self, principal: Principal, suggestion_id: str, *, ttl_seconds: int | None
    ) -> RuleSuggestion:
        """Create the suggested rule (expiring the exact rule it upgrades) and record who did.

        Checked against history just before, like any new rule: one that would
        have approved a denied command is refused (409 rule_matches_denied) and
        the suggestion is rechecked, which withdraws it.
        """
        async with self._db.read() as conn:
            suggestion = await store.load(conn, principal.org_id, suggestion_id)
        store.require_open(suggestion)
        rule_type = RuleType(suggestion.type)
        try:
            await self._previewer.refuse_if_denied_matches(
                principal.org_id,
                RuleDraft(pattern=suggestion.pattern, type=rule_type, scope=suggestion.scope),
                replacing_rule_id=suggestion.upgrade_of_rule_id,
            )
        except RuleMatchesDenied:
            self._schedule(principal.org_id)
            raise
        spec = WhitelistRuleCreate(
            pattern=suggestion.pattern,
            type=rule_type,
            scope=suggestion.scope,
            ttl_seconds=ttl_seconds,
        )
        dropped: list[WhitelistRule] = []
        expired: list[WhitelistRule] = []
        try:
            async with self._db.write() as conn:
                now = utcnow()
                rule = await insert_rule(conn, principal=principal, spec=spec)
                if suggestion.upgrade_of_rule_id is not None:
                    replaced = await store.expire_replaced(
                        conn, self._cache, principal, suggestion.upgrade_of_rule_id, now
                    )
                    if replaced is not None:
                        dropped.append(replaced[0])
                        expired.append(replaced[1])
                await store.close(
                    conn, suggestion, SuggestionStatus.ACCEPTED, principal, now, rule_id=rule.id
                )
                await audit.record(
                    conn,
                    org_id=principal.org_id,
                    actor=principal.actor,
                    action="suggestion.accepted",
                    rule_id=rule.id,
                    data={**store.describe(suggestion), "ttl_seconds": ttl_seconds},
                )
                accepted = await store.load(conn, principal.org_id, suggestion.id)
        except BaseException:
            self._cache.put(dropped)  # nothing was stored: the replaced rule matches again
            raise
        self._cache.put([rule, *expired])
        return accepted

    async def dismiss(self, principal: Principal, suggestion_id: str) -> RuleSuggestion:
        """Never offer this suggestion again."""
        async with self._db.write() as conn:
            suggestion = await store.load(conn, principal.org_id, suggestion_id)
            await store.close(conn, suggestion, SuggestionStatus.DISMISSED, principal, utcnow())
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="suggestion.dismissed",
                data=store.describe(suggestion),
            )
            return await store.load(conn, principal.org_id, suggestion.id)
