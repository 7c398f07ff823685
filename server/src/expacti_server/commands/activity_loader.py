"""What each agent did before: loaded once from the database, then kept up to date in memory.

The novelty and unusual-activity rules compare a command with the agent's
past; the tracker (``policy.activity``) holds that past, and this loader
primes it from the agent's newest commands the first time the agent is seen
by this process.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from expacti_server.commands.models import Command
from expacti_server.db.engine import Database
from expacti_server.identity.principal import Principal
from expacti_server.policy.activity import AgentActivity
from expacti_server.policy.activity import program_names as activity_program_names
from expacti_server.policy.risk import AgentHistory
from expacti_server.policy.shell import ParsedCommand

PRIME_COMMANDS = 1000


def program_names(parsed: ParsedCommand) -> tuple[str, ...]:
    """Every program a command runs, wrappers included (``sudo rm`` is sudo and rm)."""
    return tuple(activity_program_names(parsed.parts))


class ActivityLoader:
    """Primes the in-memory tracker from the database when it does not know the agent
    (first sight, or evicted since)."""

    def __init__(self, database: Database, activity: AgentActivity | None = None) -> None:
        self._db = database
        self.activity = activity or AgentActivity()

    async def history(self, principal: Principal) -> AgentHistory:
        """The agent's history, read from the database when the tracker lacks it."""
        if self.activity.needs_priming(principal.org_id, principal.id):
            async with self._db.read() as conn:
                rows = (
                    await conn.execute(
                        select(Command.parts, Command.target, Command.created_at)
                        .where(Command.agent_id == principal.id)
                        .order_by(Command.created_at.desc())
                        .limit(PRIME_COMMANDS)
                    )
                ).all()
            self.activity.prime(
                principal.org_id,
                principal.id,
                [
                    (list(row.parts or ()), row.target, row.created_at.timestamp())
                    for row in reversed(rows)
                ],
            )
        return self.activity.history_for(principal.org_id, principal.id)

    def record(
        self, principal: Principal, programs: Iterable[str], target: str | None, at: datetime
    ) -> None:
        """Count a stored submission."""
        self.activity.record(principal.org_id, principal.id, programs, target, at.timestamp())
