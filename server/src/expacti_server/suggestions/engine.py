"""Whitelist rules learnt from reviewers' decisions, proposed with their evidence.

Pure: the service reads the history and the live rules, runs ``propose`` on
a worker thread, and stores what comes back. Per target scope
(``target:NAME``, or ``global`` for commands without a target) it proposes

* an **exact** rule for a command reviewers approved ``min_repeats`` times;
* the narrowest **pattern** (``policy.generalise``) for a family of at least
  ``min_distinct`` distinct approved commands, which is an **upgrade** of a
  live exact rule in that scope when the rule's command is in the family
  (accepting it expires that rule); an exact proposal is not made for a
  command a pattern proposal covers.

Only manual approvals below ``HIGH_RISK`` are learnt from. Each proposal is
replayed over the whole history (``replay``) and offered only if it would
have approved no denied and no high-risk command and would have saved at
least one manual approval (an upgrade may save none: it tidies rules).
Commands with a secret in them are never proposed as exact rules, and every
example in the evidence is masked.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from expacti_server.errors import InvalidPattern, InvalidRequest
from expacti_server.policy.generalise import MIN_DISTINCT, families
from expacti_server.policy.patterns import RuleType
from expacti_server.policy.secret_mask import mask, secret_spans
from expacti_server.policy.shell import strip_blanks
from expacti_server.policy.whitelist_index import IndexedRule, Scope, ScopeKind
from expacti_server.suggestions.replay import History, HistoryRow, Replay, replay

__all__ = ["Proposal", "Thresholds", "fingerprint", "propose", "scope_of"]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How much agreement a proposal needs."""

    min_distinct: int = MIN_DISTINCT  # distinct approved commands for a pattern
    min_repeats: int = 3  # approvals of one command for an exact rule
    max_examples: int = 5


@dataclass(frozen=True, slots=True)
class Proposal:
    """A rule to offer, and why."""

    pattern: str
    type: RuleType
    scope: str
    upgrade_of_rule_id: str | None
    evidence: dict[str, Any] = field(hash=False, compare=False)

    @property
    def fingerprint(self) -> str:
        """What identifies the proposal for good (so a dismissal is remembered)."""
        return fingerprint(self.pattern, self.type, self.scope)


def fingerprint(pattern: str, rule_type: RuleType | str, scope: str) -> str:
    """SHA-256 hex of type, scope and pattern."""
    key = f"{RuleType(rule_type).value}\n{scope}\n{pattern}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def scope_of(target: str | None) -> str | None:
    """The scope rules learnt from a command for ``target`` get (None: no valid scope)."""
    if target is None:
        return str(Scope(ScopeKind.GLOBAL))
    try:
        return str(Scope.parse(f"{ScopeKind.TARGET}:{target}"))
    except InvalidRequest:
        return None  # e.g. a target name with spaces around it


def propose(
    history: History,
    *,
    rules: Sequence[IndexedRule],
    now: float,
    skip: Collection[str] = frozenset(),
    thresholds: Thresholds | None = None,
) -> list[Proposal]:
    """Every proposal the history supports, except those whose fingerprint is in ``skip``."""
    run = _Run(history, tuple(rules), now, frozenset(skip), thresholds or Thresholds())
    proposals: list[Proposal] = []
    for scope, approvals in _approvals_by_scope(history.rows).items():
        covered: set[str] = set()
        for proposal, members in run.patterns(scope, approvals):
            proposals.append(proposal)
            covered |= members
        proposals.extend(run.exacts(scope, approvals, covered))
    return sorted(proposals, key=lambda p: (p.scope, p.type.value, p.pattern))


def _approvals_by_scope(rows: Sequence[HistoryRow]) -> dict[str, list[HistoryRow]]:
    """Manual, not high-risk approvals by the scope a learnt rule would get; newest first."""
    by_scope: dict[str, list[HistoryRow]] = {}
    for row in rows:
        scope = scope_of(row.target)
        if row.manually_approved and not row.high_risk and scope is not None:
            by_scope.setdefault(scope, []).append(row)
    return by_scope


@dataclass(frozen=True, slots=True)
class _Run:
    history: History
    rules: tuple[IndexedRule, ...]
    now: float
    skip: frozenset[str]
    thresholds: Thresholds

    def patterns(
        self, scope: str, approvals: list[HistoryRow]
    ) -> Iterator[tuple[Proposal, set[str]]]:
        exact_rules = {
            strip_blanks(rule.pattern.source): rule.id
            for rule in sorted(self.rules, key=lambda r: r.id, reverse=True)  # oldest wins
            if rule.pattern.type is RuleType.EXACT
            and str(rule.scope) == scope
            and (rule.expires_at is None or rule.expires_at > self.now)
        }
        texts = [strip_blanks(row.command) for row in approvals]
        for family in families([*texts, *exact_rules], min_distinct=self.thresholds.min_distinct):
            members = set(family.commands)
            upgrades = sorted(exact_rules[text] for text in members if text in exact_rules)
            upgrade = upgrades[0] if upgrades else None
            rows = [row for row, text in zip(approvals, texts, strict=True) if text in members]
            proposal = self._offer(family.pattern, RuleType.REGEX, scope, rows, upgrade)
            if proposal is not None:
                yield proposal, members

    def exacts(
        self, scope: str, approvals: list[HistoryRow], covered: set[str]
    ) -> Iterator[Proposal]:
        texts = [strip_blanks(row.command) for row in approvals]
        for text, count in Counter(texts).items():
            if count < self.thresholds.min_repeats or text in covered or secret_spans(text):
                continue
            rows = [row for row, other in zip(approvals, texts, strict=True) if other == text]
            proposal = self._offer(text, RuleType.EXACT, scope, rows, None)
            if proposal is not None:
                yield proposal

    def _offer(
        self,
        pattern: str,
        rule_type: RuleType,
        scope: str,
        rows: list[HistoryRow],
        upgrade_of: str | None,
    ) -> Proposal | None:
        if fingerprint(pattern, rule_type, scope) in self.skip:
            return None
        try:
            result = replay(
                self.history,
                pattern=pattern,
                rule_type=rule_type,
                scope=scope,
                rules=self.rules,
                now=self.now,
                replacing_rule_id=upgrade_of,
            )
        except InvalidPattern:
            return None  # e.g. a command longer than a pattern may be
        if not result.safe or (result.would_auto_approve == 0 and upgrade_of is None):
            return None
        evidence = _evidence(rows, result, max_examples=self.thresholds.max_examples)
        return Proposal(pattern, rule_type, scope, upgrade_of, evidence)


def _evidence(rows: list[HistoryRow], result: Replay, *, max_examples: int) -> dict[str, Any]:
    """What a reviewer sees: counts, masked examples (newest first), when and by whom."""
    examples: dict[str, None] = {}
    for row in rows:
        if len(examples) == max_examples:
            break
        examples[mask(strip_blanks(row.command))] = None
    last = max((row.created_at for row in rows), default=None)
    return {
        "approved": len(rows),
        "denied": result.matched_denied,
        "distinct_commands": len({strip_blanks(row.command) for row in rows}),
        "would_auto_approve": result.would_auto_approve,
        "matched": result.matched,
        "matched_denied": result.matched_denied,
        "matched_high_risk": result.matched_high_risk,
        "scanned": result.scanned,
        "examples": list(examples),
        "last_approved_at": last.isoformat() if last is not None else None,
        "reviewers": sorted({row.reviewer_name for row in rows if row.reviewer_name}),
    }
