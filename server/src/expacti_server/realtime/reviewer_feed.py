"""Fan-out of queue changes to every reviewer's open screen, per organisation."""

from __future__ import annotations

from collections.abc import Callable

Subscriber = Callable[[str], None]


class ReviewerFeed:
    """Who is watching each organisation's queue, and delivering frames to them.

    Subscribers are plain callables that must not block (they put the frame
    on their socket's queue). Frames are encoded once by the publisher and
    shared by every subscriber.
    """

    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscriber]] = {}

    def subscribe(self, org_id: str, subscriber: Subscriber) -> None:
        """Deliver every later frame of ``org_id`` to ``subscriber``."""
        self._subscribers.setdefault(org_id, set()).add(subscriber)

    def unsubscribe(self, org_id: str, subscriber: Subscriber) -> None:
        """Stop delivering; a no-op if not subscribed."""
        subscribers = self._subscribers.get(org_id)
        if subscribers is None:
            return
        subscribers.discard(subscriber)
        if not subscribers:
            del self._subscribers[org_id]

    def watching(self, org_id: str) -> int:
        """How many reviewer screens are open on ``org_id``'s queue."""
        return len(self._subscribers.get(org_id, ()))

    def publish(self, org_id: str, frame: str) -> int:
        """Hand ``frame`` to every subscriber of ``org_id``; returns how many got it."""
        subscribers = tuple(self._subscribers.get(org_id, ()))
        for subscriber in subscribers:
            subscriber(frame)
        return len(subscribers)
