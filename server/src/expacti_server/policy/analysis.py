"""Parse and score a command: the policy work of every submission.

The score comes in two halves. The static rules read only the command text
(and the organisation's egress allow-list), so their result is cached per
text; the contextual rules (``novelty``, ``unusual_activity``) read the
agent's history and the clock, so they run for every submission.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime

from expacti_server.policy.risk import (
    RiskAssessment,
    RiskContext,
    assess,
    default_registry,
)
from expacti_server.policy.shell import ParsedCommand, parse_command

__all__ = ["INLINE_CHARS", "analyse", "analyse_now", "analyse_text"]

# Up to this size a command is analysed on the event loop (tens of µs) and the
# result cached; longer ones (up to ~0.2 s for an adversarial 64 KiB command)
# run on a worker thread and are not cached, so neither the loop nor the cache
# can be monopolised by one agent.
INLINE_CHARS = 4096


def analyse_now(
    command: str, egress_allow_list: tuple[str, ...] = ()
) -> tuple[ParsedCommand, RiskAssessment]:
    """Parse ``command`` and score it with the static rules, on the calling thread, uncached."""
    parsed = parse_command(command)
    return parsed, assess(
        parsed, _static_context(egress_allow_list), default_registry().static_rules
    )


_cached = functools.lru_cache(maxsize=4096)(analyse_now)


def analyse_text(
    command: str, egress_allow_list: tuple[str, ...] = ()
) -> tuple[ParsedCommand, RiskAssessment]:
    """``analyse_now``, cached for commands up to ``INLINE_CHARS``."""
    if len(command) <= INLINE_CHARS:
        return _cached(command, tuple(egress_allow_list))
    return analyse_now(command, egress_allow_list)


async def analyse(
    command: str, context: RiskContext | None = None
) -> tuple[ParsedCommand, RiskAssessment]:
    """Parse ``command`` and score it with every rule.

    The static half is cached per (text, egress allow-list); long commands are
    analysed on a worker thread. The contextual rules then run with
    ``context``; without one (no history, no working hours) they are skipped.
    """
    allow = context.egress_allow_list if context is not None else ()
    if len(command) <= INLINE_CHARS:
        parsed, static = _cached(command, allow)
    else:
        parsed, static = await asyncio.to_thread(analyse_now, command, allow)
    if context is None:
        return parsed, static
    return parsed, static.merged(assess(parsed, context, default_registry().contextual_rules))


def _static_context(egress_allow_list: tuple[str, ...]) -> RiskContext:
    # Static rules may read only the allow-list: the rest is blank on purpose,
    # so that a cached result can never depend on who submitted or when.
    return RiskContext(
        agent_id=None,
        target=None,
        now=datetime.now(UTC),
        working_hours=None,
        egress_allow_list=egress_allow_list,
    )
