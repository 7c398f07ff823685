"""Parse and score a command text: the policy work of every submission."""

from __future__ import annotations

import asyncio
import functools

from expacti_server.policy.risk import RiskAssessment, assess_risk
from expacti_server.policy.shell import ParsedCommand, parse_command

# Up to this size a command is analysed on the event loop (tens of µs) and the
# result cached; longer ones (up to ~0.2 s for an adversarial 64 KiB command)
# run on a worker thread and are not cached, so neither the loop nor the cache
# can be monopolised by one agent.
INLINE_CHARS = 4096


def analyse_now(command: str) -> tuple[ParsedCommand, RiskAssessment]:
    """Parse and risk-score ``command`` on the calling thread."""
    parsed = parse_command(command)
    return parsed, assess_risk(parsed)


_cached = functools.lru_cache(maxsize=4096)(analyse_now)


async def analyse(command: str) -> tuple[ParsedCommand, RiskAssessment]:
    """Parse and risk-score ``command``.

    Both are pure functions of the text and routine commands repeat, so short
    commands are cached: a repeated one skips the grammar and the rules.
    """
    if len(command) <= INLINE_CHARS:
        return _cached(command)
    return await asyncio.to_thread(analyse_now, command)
