"""What a proposed rule would have done to past commands, with the real matcher.

Like the rule preview (``whitelist/preview.py``), a past command counts for a
proposal only when the live rules plus the proposal approve it and the live
rules alone do not; an upgrade is replayed in place of the exact rule it
replaces. Unlike the preview this is pure: it runs over rows already read,
on the caller's thread, so the engine can replay many proposals over one
read of the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from expacti_server.commands.status import Status
from expacti_server.policy.patterns import RuleType, compile_pattern
from expacti_server.policy.risk import HIGH_RISK
from expacti_server.policy.shell import ParsedCommand, parse_command, strip_blanks
from expacti_server.policy.whitelist_index import IndexedRule, Scope, WhitelistIndex

__all__ = ["History", "HistoryRow", "Replay", "replay"]

PROPOSAL_ID = "suggestion"


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A decided command, as the engine needs it (never an encrypted one)."""

    command: str
    target: str | None
    status: str
    risk_score: int
    whitelisted: bool
    created_at: datetime
    reviewer_name: str | None = None
    edited: bool = False  # the reviewer approved a changed text, not this one

    @property
    def manually_approved(self) -> bool:
        """Approved as submitted by a reviewer (not by a whitelist rule)."""
        return self.status == Status.APPROVED and not self.whitelisted and not self.edited

    @property
    def high_risk(self) -> bool:
        """Scored at or above ``HIGH_RISK`` when it was submitted."""
        return self.risk_score >= HIGH_RISK


class History:
    """Rows, newest first, each distinct text parsed once; and who is in which target group."""

    def __init__(
        self,
        rows: Sequence[HistoryRow],
        target_groups: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.rows = tuple(rows)
        self._groups = dict(target_groups or {})
        self._parsed: dict[str, ParsedCommand] = {}

    def parsed(self, text: str) -> ParsedCommand:
        """``parse_command(text)``, cached."""
        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = self._parsed[text] = parse_command(text)
        return parsed

    def groups_of(self, target: str | None) -> frozenset[str]:
        """The target groups ``target`` was in when the history was read."""
        return self._groups.get(target, frozenset()) if target is not None else frozenset()


@dataclass(frozen=True, slots=True)
class Replay:
    """What a proposal would have approved among ``scanned`` past commands."""

    matched: int
    would_auto_approve: int  # of them, commands a reviewer approved by hand
    matched_denied: int
    matched_high_risk: int
    scanned: int

    @property
    def safe(self) -> bool:
        """Matches no denied command and no high-risk one."""
        return self.matched_denied == 0 and self.matched_high_risk == 0


def replay(
    history: History,
    *,
    pattern: str,
    rule_type: RuleType,
    scope: str,
    rules: Sequence[IndexedRule],
    now: float,
    replacing_rule_id: str | None = None,
) -> Replay:
    """Replay a proposed rule over ``history`` beside the live ``rules``."""
    proposal = IndexedRule(
        id=PROPOSAL_ID,
        pattern=compile_pattern(pattern, rule_type),
        scope=Scope.parse(scope),
        expires_at=None,
    )
    live = [rule for rule in rules if rule.id != replacing_rule_id]
    without, with_proposal = WhitelistIndex(live), WhitelistIndex([*live, proposal])
    matched = approved = denied = high_risk = 0
    for row in history.rows:
        groups = history.groups_of(row.target)
        if not proposal.applies(row.target, groups, now):
            continue
        parsed = history.parsed(row.command)
        if not _touches(proposal, parsed):
            continue  # cheap screen; the decision below is the real matcher's
        if with_proposal.match(parsed, target=row.target, target_groups=groups, now=now) is None:
            continue
        if without.match(parsed, target=row.target, target_groups=groups, now=now) is not None:
            continue
        matched += 1
        approved += row.manually_approved
        denied += row.status == Status.DENIED
        high_risk += row.high_risk
    return Replay(
        matched=matched,
        would_auto_approve=approved,
        matched_denied=denied,
        matched_high_risk=high_risk,
        scanned=len(history.rows),
    )


def _touches(proposal: IndexedRule, parsed: ParsedCommand) -> bool:
    """Whether the proposal matches the whole text or any part of it."""
    matches = proposal.pattern.matches
    return matches(strip_blanks(parsed.text)) or any(matches(part) for part in parsed.parts)
