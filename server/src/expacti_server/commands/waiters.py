"""Who waits for which pending command.

Two kinds of waiter listen on the hub: agent connections, whose presence
keeps a WebSocket-submitted command alive (see the resume window), and
everything else (HTTP long polls), which only listens.
"""

from __future__ import annotations

from expacti_server.commands.record import DecisionView, ProgressView, WaitEvent
from expacti_server.realtime.hub import DecisionHub, Listener


class Waiters:
    """The hub plus the agent connections attached to each command."""

    def __init__(self) -> None:
        self.hub: DecisionHub[WaitEvent] = DecisionHub()
        self._agents: dict[str, set[Listener[WaitEvent]]] = {}

    def attach_agent(self, command_id: str, listener: Listener[WaitEvent]) -> None:
        """An agent connection waits on ``command_id`` (idempotent per connection)."""
        listeners = self._agents.setdefault(command_id, set())
        if listener not in listeners:  # a connection re-sending its own submit
            listeners.add(listener)
            self.hub.subscribe(command_id, listener)

    def listen(self, command_id: str, listener: Listener[WaitEvent]) -> None:
        """Something other than an agent connection waits on ``command_id``."""
        self.hub.subscribe(command_id, listener)

    def drop(self, command_id: str, listener: Listener[WaitEvent]) -> bool:
        """Stop a listener; True if it was the last agent attached to the command."""
        self.hub.unsubscribe(command_id, listener)
        listeners = self._agents.get(command_id)
        if listeners is None or listener not in listeners:
            return False
        listeners.discard(listener)
        if listeners:
            return False
        del self._agents[command_id]
        return True

    def agent_attached(self, command_id: str) -> bool:
        """Whether any agent connection waits on ``command_id``."""
        return bool(self._agents.get(command_id))

    def publish(self, decision: DecisionView) -> None:
        """Deliver a stored decision to everyone waiting, and forget them."""
        self._agents.pop(decision.command_id, None)
        self.hub.publish(decision.command_id, decision)

    def progress(self, progress: ProgressView) -> None:
        """Tell everyone waiting that the command moved on; they keep waiting."""
        self.hub.notify(progress.command_id, progress)
