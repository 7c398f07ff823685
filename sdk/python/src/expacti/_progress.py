"""Where a command that waits for several reviewers stands, as ``on_progress`` sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Progress"]


@dataclass(frozen=True, slots=True)
class Progress:
    """A pending command moved on without being decided yet.

    Passed to ``run(..., on_progress=callback)`` after each partial approval of a command
    that needs several approvals, and when the command is escalated (``escalated`` true;
    ``expires_at`` then moves later, once). ``approvers`` are the reviewers who approved so
    far, in order. ``expires_at`` is the server's clock: informative, like
    ``accepted.expires_at``.
    """

    command_id: str
    approvals: int
    required: int
    approvers: tuple[str, ...]
    escalated: bool
    expires_at: datetime
