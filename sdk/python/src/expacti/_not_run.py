"""Why a command did not run, worded once for every way expacti reports it.

Two readers: a person at a terminal gets one short line (``expacti run`` prints
``expacti: denied by alice: not today``), and a model gets whole sentences that say
plainly that the command did not run, why, and what it may do next (the framework tools,
the MCP tool and the Claude Code hook). A model's sentence names the command when the
reader may have asked for several (``command=``); the hook answers for one call and leaves
it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # at run time only its fields are read: _errors imports this module
    from ._decision import Decision

__all__ = [
    "AFTER_A_TIMEOUT",
    "could_not_start",
    "not_submitted",
    "refused",
    "refused_line",
    "timed_out",
    "timed_out_line",
    "undecided",
]

AFTER_A_TIMEOUT: Final = "It may be asked again later, or done another way."
"""What a model may do after nobody decided: the command was not refused."""


def refused(decision: Decision, command: str | None = None) -> str:
    """A denial or a cancellation, for a model: by whom, and the reviewer's reason."""
    reason = f"Reason: {decision.notes}" if decision.notes else "No reason was given."
    return (
        f"The command was {_verb(decision)}{_by(decision)} and did not run{_naming(command)}. "
        f"{reason}"
    )


def timed_out(decision: Decision | None, command: str | None = None) -> str:
    """No decision in time, for a model; ``decision`` is None when the client gave up."""
    why = f" ({decision.notes})" if decision is not None and decision.notes else ""
    return (
        f"No reviewer decided in time{why}, so the command did not run{_naming(command)}. "
        f"{AFTER_A_TIMEOUT}"
    )


def undecided(error: Exception, command: str | None = None) -> str:
    """No decision could be reached (server unreachable, token refused), for a model."""
    return (
        f"The approval gate could not decide ({error}), so the command did not "
        f"run{_naming(command)}."
    )


def not_submitted(error: Exception) -> str:
    """The command could not even be asked about (e.g. larger than the server accepts).

    It never names the command: the usual cause is its size, and the reader has it.
    """
    return f"The command was not submitted for approval ({error}) and did not run."


def could_not_start(error: Exception, command: str | None = None) -> str:
    """Approved, but the command could not be started, for a model."""
    return (
        f"The command was approved but could not start ({error}), so it did not "
        f"run{_naming(command)}."
    )


def refused_line(decision: Decision) -> str:
    """A denial or a cancellation as one terminal line: ``denied by alice: not today``."""
    why = f": {decision.notes}" if decision.notes else ""
    return f"{_verb(decision)}{_by(decision)}{why}"


def timed_out_line(decision: Decision | None) -> str:
    """No decision in time as one terminal line; ``decision`` is None when the client gave up."""
    if decision is None:
        return "timed out: no decision before the deadline; cancelled"
    return f"timed out: {decision.notes or 'no decision in time'}"


def _verb(decision: Decision) -> str:
    return "cancelled" if decision.decision == "cancelled" else "denied"


def _by(decision: Decision) -> str:
    return f" by {decision.reviewer}" if decision.reviewer else ""


def _naming(command: str | None) -> str:
    return f": {command}" if command is not None else ""
