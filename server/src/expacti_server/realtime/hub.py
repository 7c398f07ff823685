"""The in-process hub that delivers a decision (and progress before it) to everyone waiting
on that command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
Listener = Callable[[T], None]


class DecisionHub(Generic[T]):
    """Waiters per command id. A decision is published once, after it is stored.

    Listeners are plain callables run synchronously by ``publish``; they must
    not block (they put frames on a queue or resolve a future).
    """

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener[T]]] = {}

    def subscribe(self, command_id: str, listener: Listener[T]) -> None:
        """Call ``listener`` with the decision of ``command_id`` when it is published."""
        self._listeners.setdefault(command_id, []).append(listener)

    def unsubscribe(self, command_id: str, listener: Listener[T]) -> None:
        """Stop waiting; a no-op if the listener is not (or no longer) registered."""
        listeners = self._listeners.get(command_id)
        if not listeners:
            return
        try:
            listeners.remove(listener)
        except ValueError:
            return
        if not listeners:
            del self._listeners[command_id]

    def publish(self, command_id: str, decision: T) -> None:
        """Deliver ``decision`` to every listener of ``command_id``, then forget them."""
        for listener in self._listeners.pop(command_id, ()):
            listener(decision)

    def notify(self, command_id: str, event: T) -> None:
        """Deliver ``event`` to every listener of ``command_id``, who keep listening."""
        for listener in tuple(self._listeners.get(command_id, ())):
            listener(event)
