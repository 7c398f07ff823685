"""Limits on how many commands may wait for a human at once, per agent and per org.

Without them one agent could fill its organisation's review queue (and the
server's memory and timers) with pending commands, over HTTP or many sockets.
"""

from __future__ import annotations

from collections import Counter

from expacti_server.errors import TooManyPending


class PendingQuota:
    """Counts pending commands; refuses new ones beyond the limits."""

    def __init__(self, *, per_agent: int, per_org: int) -> None:
        self._per_agent = per_agent
        self._per_org = per_org
        self._owners: dict[str, tuple[str, str]] = {}  # command id → (org id, agent id)
        self._by_agent: Counter[str] = Counter()
        self._by_org: Counter[str] = Counter()

    def check(self, *, org_id: str, agent_id: str) -> None:
        """Raise TooManyPending if one more pending command would exceed a limit."""
        if self._by_agent[agent_id] >= self._per_agent:
            raise TooManyPending(
                f"this agent already has {self._per_agent} commands waiting for a decision",
                limit=self._per_agent,
            )
        if self._by_org[org_id] >= self._per_org:
            raise TooManyPending(
                f"this organisation already has {self._per_org} commands waiting for a decision",
                limit=self._per_org,
            )

    def add(self, command_id: str, *, org_id: str, agent_id: str) -> None:
        """Count a command that is now pending (idempotent)."""
        if command_id in self._owners:
            return
        self._owners[command_id] = (org_id, agent_id)
        self._by_agent[agent_id] += 1
        self._by_org[org_id] += 1

    def remove(self, command_id: str) -> None:
        """Stop counting a command that was decided (idempotent)."""
        owner = self._owners.pop(command_id, None)
        if owner is None:
            return
        org_id, agent_id = owner
        self._by_agent[agent_id] -= 1
        self._by_org[org_id] -= 1
