"""How findings add up to one score, and how a failing rule is counted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import structlog

from expacti_server.policy.risk.interface import (
    RiskContext,
    RiskFinding,
    RiskRule,
    RiskRuleError,
)
from expacti_server.policy.shell import ParsedCommand

__all__ = ["HIGH_RISK", "NO_RISK", "RiskAssessment", "assess", "combine"]

log = structlog.get_logger(__name__)

# From this score up a command is "high risk": reviewers' screens ask for an
# extra confirmation and no broadened whitelist rule is suggested for it.
HIGH_RISK = 70


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """The findings, highest score first, and the score they add up to."""

    score: int  # 0..100, see ``combine``
    anomalies: tuple[str, ...]  # rule ids of the findings, highest score first
    findings: tuple[RiskFinding, ...]  # in the same order
    failures: tuple[str, ...] = ()  # ids of the rules that failed (also in anomalies)

    @classmethod
    def of(cls, findings: Iterable[RiskFinding]) -> RiskAssessment:
        """The assessment of these findings; equal scores keep their given order."""
        ordered = sorted(findings, key=lambda finding: -finding.score)  # sort is stable
        return cls(
            score=combine(f.score for f in ordered),
            anomalies=tuple(f.rule_id for f in ordered),
            findings=tuple(ordered),
            failures=tuple(f.rule_id for f in ordered if f.failed),
        )

    def merged(self, other: RiskAssessment) -> RiskAssessment:
        """Both sets of findings as one assessment (``self``'s first among equal scores)."""
        if not other.findings:
            return self
        return RiskAssessment.of((*self.findings, *other.findings))


NO_RISK = RiskAssessment(0, (), (), ())


def combine(scores: Iterable[int]) -> int:
    """A probabilistic OR: ``round(100 * (1 - prod(1 - s/100)))``.

    Read each score as the chance that its finding is a real danger: the result
    is at least the highest score, every further finding adds to it (less the
    closer it gets to 100), and order does not matter. Exact fractions and
    round-half-up keep it deterministic; it reaches 100 only when a finding
    does, so "100" always means one rule was sure.
    """
    # Exact in integers (this runs on every submission): with safe = num / den,
    # floor(100 * (1 - safe) + 1/2) == (200 * (den - num) + den) // (2 * den).
    num, den, highest = 1, 1, 0
    for score in scores:
        num *= 100 - score
        den *= 100
        highest = max(highest, score)
    total = (200 * (den - num) + den) // (2 * den)
    return min(total, 99) if highest < 100 else 100


def assess(
    command: ParsedCommand, context: RiskContext, rules: Iterable[RiskRule]
) -> RiskAssessment:
    """Run every rule on ``command``; a rule that fails counts as its weight."""
    found = [f for f in (_evaluate(rule, command, context) for rule in rules) if f is not None]
    return RiskAssessment.of(found) if found else NO_RISK


def _evaluate(rule: RiskRule, command: ParsedCommand, context: RiskContext) -> RiskFinding | None:
    """The rule's finding, or a failure finding at its weight: fail closed, never zero."""
    try:
        finding = rule.evaluate(command, context)
        if finding is not None:
            _check(rule, finding)
    except Exception as exc:
        # Plugins are third-party code: one bug must not stop the submission, and
        # must not make a command look safer than the rule could have judged it.
        log.exception("risk_rule_failed", rule_id=rule.id, error=type(exc).__name__)
        return RiskFinding(rule.id, rule.weight, f"rule failed: {type(exc).__name__}", failed=True)
    return finding


def _check(rule: RiskRule, finding: object) -> None:
    if not isinstance(finding, RiskFinding):
        raise RiskRuleError(f"rule {rule.id!r} returned {type(finding).__name__}, not RiskFinding")
    if finding.rule_id != rule.id:
        raise RiskRuleError(f"rule {rule.id!r} returned a finding of {finding.rule_id!r}")
    if finding.score > rule.weight:
        raise RiskRuleError(
            f"rule {rule.id!r} scored {finding.score}, above its weight {rule.weight}"
        )
    if finding.failed:
        raise RiskRuleError(f"rule {rule.id!r} returned a finding marked failed")
