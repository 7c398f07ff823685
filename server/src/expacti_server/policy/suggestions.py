"""Whitelist rules to offer a reviewer for a pending command.

Always the exact command. A broader rule is offered only where broadening is
known to be harmless: a curated list of read-only commands (``kubectl get
pods``, ``git status``, ``df``…) whose every option only changes what is
shown. Even then the rule keeps the command's own options exactly and lets
only plain operands vary (no leading ``-``, no ``=``, no shell syntax), so it
can never approve a new option, a new program behind a wrapper, a redirection
or a substitution. A program that runs other programs (``sudo``, ``env``,
``xargs``, ``find``…) or can write (``git log --output``, ``curl -o``, ``sed
-i``…) is never broadened. Learning rules from reviewers' decisions builds on
this.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from expacti_server.policy.patterns import RuleType
from expacti_server.policy.risk import HIGH_RISK

# Past this size a command gets no suggestion at all: a rule is offered for
# commands people retype, and the text would only be repeated in every view.
MAX_SUGGESTED_BYTES = 1024

# (program, subcommand words) whose options all only select or format output.
# Operands may vary; options are kept as they were.
READ_ONLY_COMMANDS: frozenset[tuple[str, ...]] = frozenset(
    {
        ("kubectl", "get", "pods"),
        ("kubectl", "get", "deployments"),
        ("kubectl", "get", "services"),
        ("kubectl", "get", "nodes"),
        ("kubectl", "get", "namespaces"),
        ("kubectl", "get", "events"),
        ("kubectl", "describe", "pod"),
        ("kubectl", "describe", "deployment"),
        ("kubectl", "describe", "node"),
        ("kubectl", "logs"),
        ("kubectl", "top", "pods"),
        ("kubectl", "top", "nodes"),
        ("git", "status"),
        ("docker", "ps"),
        ("docker", "images"),
        ("docker", "logs"),
        ("systemctl", "status"),
        ("helm", "list"),
        ("helm", "status"),
        ("ls",),
        ("df",),
        ("du",),
        ("ps",),
        ("free",),
        ("uptime",),
        ("whoami",),
        ("hostname",),
        ("uname",),
        ("pwd",),
        ("date",),
    }
)
# An operand: no leading dash (an option), no "=", nothing the shell would act on.
OPERAND = r"[A-Za-z0-9_.,:@/+%^][A-Za-z0-9_.,:@/+%^-]*"
_OPERAND = re.compile(OPERAND)


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
    if len(command.encode("utf-8", "surrogatepass")) > MAX_SUGGESTED_BYTES:
        return []
    scope = f"target:{target}" if target else "global"
    where = f" on {target}" if target else ""
    suggestions = [RuleSuggestion(RuleType.EXACT, command, scope, f"Exactly this command{where}")]
    if risk_score >= HIGH_RISK or len(parts) != 1:
        return suggestions
    generalised = _generalise(parts[0])
    if generalised is not None:
        name, pattern = generalised
        suggestions.append(
            RuleSuggestion(
                RuleType.REGEX,
                pattern,
                scope,
                f"`{name}` with these options and any operands{where} (read-only command)",
            )
        )
    return suggestions


def _generalise(part: str) -> tuple[str, str] | None:
    try:
        words = shlex.split(part)
    except ValueError:
        return None
    known = _read_only_prefix(words)
    if known is None:
        return None
    rest = words[len(known) :]
    options = [word for word in rest if word.startswith("-")]
    operands = [word for word in rest if not word.startswith("-")]
    if not operands or any(not _OPERAND.fullmatch(word) for word in operands):
        return None  # nothing varies, or an operand the rule could not express safely
    if any(not re.fullmatch(r"-[A-Za-z0-9-]+(=[A-Za-z0-9_.,:/-]+)?", word) for word in options):
        return None
    # Options stay where they were; each operand slot takes any plain operand.
    slots = [re.escape(word) for word in known]
    slots += [re.escape(word) if word.startswith("-") else OPERAND for word in rest]
    return " ".join(known), r"\s+".join(slots)


def _read_only_prefix(words: list[str]) -> tuple[str, ...] | None:
    for length in (3, 2, 1):
        prefix = tuple(words[:length])
        if len(prefix) == length and prefix in READ_ONLY_COMMANDS:
            return prefix
    return None
