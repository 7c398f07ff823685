"""Who did something, as the audit log records it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """An agent, a reviewer, the system itself, or an unidentified caller."""

    type: str  # agent | reviewer | system | anonymous
    id: str | None = None
    name: str | None = None


SYSTEM = Actor(type="system", name="expacti")
