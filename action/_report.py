"""How the gate step reports its outcome: the log, the step's outputs and its summary."""

from __future__ import annotations

from dataclasses import dataclass

from _workflow import annotate, append_summary, code_block, markdown_text, set_outputs

__all__ = ["Outcome", "report", "summary"]

_TITLES = {
    "approved": "approved",
    "denied": "denied",
    "cancelled": "cancelled",
    "timed_out": "timed out",
    "error": "failed",
}


@dataclass(frozen=True)
class Outcome:
    """What happened to one command, and the step's exit status for it.

    ``decision`` is the server's (approved, denied, cancelled, timed_out) or ``error``
    when expacti failed before a decision; ``ran`` is the command line that ran, empty
    when none did; ``message`` is the failure shown as an error annotation.
    """

    decision: str
    status: int
    command: str
    message: str = ""
    ran: str = ""
    command_id: str = ""
    reviewer: str = ""
    notes: str = ""
    latency_ms: float | None = None
    whitelisted: bool = False
    edited: bool = False
    exit_code: int | None = None


def report(outcome: Outcome) -> int:
    """Annotate a failure, set the outputs, write the summary; return the exit status."""
    if outcome.message:
        annotate("error", outcome.message)
    set_outputs(
        {
            "decision": outcome.decision,
            "command_id": outcome.command_id,
            "reviewer": outcome.reviewer,
            "approved_command": outcome.ran,
            "exit_code": "" if outcome.exit_code is None else str(outcome.exit_code),
        }
    )
    append_summary(summary(outcome))
    return outcome.status


def summary(outcome: Outcome) -> str:
    """The step summary in Markdown: every value escaped, the commands in code blocks."""
    title = _TITLES.get(outcome.decision, outcome.decision)
    if outcome.exit_code:
        title += f"; the command exited with status {outcome.exit_code}"
    lines: list[str] = [f"### expacti: {markdown_text(title)}", ""]
    decision = outcome.decision + (" (whitelisted)" if outcome.whitelisted else "")
    lines += _field("Decision", decision)
    lines += _field("Reviewer", outcome.reviewer)
    lines += _field("Reason", outcome.notes)
    if outcome.latency_ms is not None:
        lines += _field("Latency", f"{outcome.latency_ms / 1000:.1f} s")
    lines += _field("Command id", outcome.command_id)
    if outcome.exit_code is not None:
        lines += _field("Exit code", str(outcome.exit_code))
    lines += _field("Error", outcome.message if outcome.decision == "error" else "")
    lines.append("")
    if outcome.edited and outcome.ran:
        editor = outcome.reviewer or "a reviewer"
        lines += ["Requested:", "", code_block(outcome.command)]
        lines += [f"Ran, as edited by {markdown_text(editor)}:", "", code_block(outcome.ran)]
    else:
        lines += ["Command:", "", code_block(outcome.command)]
    return "\n".join(lines)


def _field(name: str, value: str) -> list[str]:
    return [f"- **{name}:** {markdown_text(value)}"] if value else []
