"""``novelty``: a program or target this agent has never used before."""

from __future__ import annotations

from expacti_server.policy.activity import program_names
from expacti_server.policy.risk.interface import RiskContext, RiskFinding
from expacti_server.policy.shell import ParsedCommand

# Until an agent has this many past commands, most of what it does is new, so
# novelty says "new agent" at a low score instead of raising every command.
ESTABLISHED_AFTER = 20
_SHOWN = 3  # program names quoted in a reason


class Novelty:
    """A program, or the target, never seen for this agent; quieter for a new agent."""

    id = "novelty"
    weight = 40
    contextual = True

    def evaluate(self, command: ParsedCommand, context: RiskContext) -> RiskFinding | None:
        history = context.history
        if not history.known:
            return None  # nothing to compare with
        new_programs = [p for p in program_names(command.parts) if not history.seen_program(p)]
        target = context.target
        new_target = target is not None and not history.seen_target(target)
        if not new_programs and not new_target:
            return None
        count = history.command_count
        if count < ESTABLISHED_AFTER:
            earlier = f"only {count}" if count else "no"
            return RiskFinding(
                self.id, 10, f"New agent: {earlier} earlier commands to compare with."
            )
        what = []
        if new_programs:
            what.append(f"runs {_names(new_programs)} for the first time")
        if new_target:
            what.append(f"uses target {target} for the first time")
        score = 40 if new_programs and new_target else 30
        return RiskFinding(self.id, score, f"This agent {' and '.join(what)}.")


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    more = len(names) - _SHOWN
    return f"{shown} and {more} more" if more > 0 else shown
