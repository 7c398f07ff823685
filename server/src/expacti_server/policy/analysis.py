"""Parse and score a command text, cached: the policy work of every submission."""

from __future__ import annotations

import functools

from expacti_server.policy.risk import RiskAssessment, assess_risk
from expacti_server.policy.shell import ParsedCommand, parse_command


@functools.lru_cache(maxsize=4096)
def analyse(command: str) -> tuple[ParsedCommand, RiskAssessment]:
    """Parse and risk-score a command text.

    Both are pure functions of the text, and routine commands repeat, so the
    results are cached: a repeated command skips the grammar and the rules.
    """
    parsed = parse_command(command)
    return parsed, assess_risk(parsed)
