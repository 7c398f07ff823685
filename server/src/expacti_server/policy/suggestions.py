"""Whitelist rules to offer a reviewer for a pending command.

Two kinds today: the exact command, and for a plain low-risk command a
regex that keeps its program and subcommand but lets the arguments vary,
as long as they contain no shell syntax (no redirection, pipe, chaining or
substitution), so the broader rule can never approve something that writes
where the original did not. Learning rules from reviewers' past decisions
builds on this.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from expacti_server.policy.patterns import RuleType
from expacti_server.policy.risk import HIGH_RISK

# Words that are safe to fix in a pattern: a program or subcommand name.
_PLAIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+:@/-]{0,63}")
# Arguments may vary, but only over characters with no meaning to the shell.
PLAIN_ARGUMENTS = r"[^\s;&|<>()`$\\\"'*?\[\]{}!#~]*"
_MAX_FIXED_WORDS = 2


@dataclass(frozen=True, slots=True)
class RuleSuggestion:
    """A rule the reviewer can save with one click, and why it is offered."""

    type: RuleType
    pattern: str
    scope: str
    reason: str


def suggest(
    command: str, parts: list[str], *, target: str | None, risk_score: int
) -> list[RuleSuggestion]:
    """Rules to offer for ``command``; the first is always the exact text."""
    scope = f"target:{target}" if target else "global"
    where = f" on {target}" if target else ""
    suggestions = [RuleSuggestion(RuleType.EXACT, command, scope, f"Exactly this command{where}")]
    if risk_score >= HIGH_RISK or len(parts) != 1:
        return suggestions
    generalised = _generalise(parts[0])
    if generalised is not None:
        fixed, pattern = generalised
        suggestions.append(
            RuleSuggestion(
                RuleType.REGEX,
                pattern,
                scope,
                f"Any `{fixed}` command{where} with plain arguments (no redirection, "
                "pipes or substitution)",
            )
        )
    return suggestions


def _generalise(part: str) -> tuple[str, str] | None:
    try:
        words = shlex.split(part)
    except ValueError:
        return None
    fixed: list[str] = []
    for word in words[:_MAX_FIXED_WORDS]:
        if not _PLAIN_WORD.fullmatch(word):
            break
        fixed.append(word)
    if not fixed or len(fixed) == len(words):
        return None  # nothing to fix, or nothing that varies
    rest = words[len(fixed) :]
    if any(not re.fullmatch(PLAIN_ARGUMENTS, word) for word in rest):
        return None  # the command itself uses shell syntax: offer only the exact rule
    prefix = r"\s+".join(re.escape(word) for word in fixed)
    return " ".join(fixed), rf"{prefix}(?:\s+{PLAIN_ARGUMENTS})*\s*"
