"""Fan-out of queue changes to every reviewer's open screen, per organisation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from expacti_server.identity.roles import ReviewerRole

Subscriber = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is behind a screen: routing decides which commands they are shown."""

    reviewer_id: str
    role: ReviewerRole


Audience = Callable[[Viewer], bool]


def everyone(_: Viewer) -> bool:
    """Every open screen."""
    return True


class ReviewerFeed:
    """Who is watching each organisation's queue, and delivering frames to them.

    Subscribers are plain callables that must not block (they put the frame
    on their socket's queue). Frames are encoded once by the publisher and
    shared by every subscriber in the audience.
    """

    def __init__(self) -> None:
        self._subscribers: dict[str, dict[Subscriber, Viewer]] = {}

    def subscribe(self, org_id: str, subscriber: Subscriber, viewer: Viewer) -> None:
        """Deliver every later frame of ``org_id`` meant for ``viewer`` to ``subscriber``."""
        self._subscribers.setdefault(org_id, {})[subscriber] = viewer

    def unsubscribe(self, org_id: str, subscriber: Subscriber) -> None:
        """Stop delivering; a no-op if not subscribed."""
        subscribers = self._subscribers.get(org_id)
        if subscribers is None:
            return
        subscribers.pop(subscriber, None)
        if not subscribers:
            del self._subscribers[org_id]

    def watching(self, org_id: str) -> int:
        """How many reviewer screens are open on ``org_id``'s queue."""
        return len(self._subscribers.get(org_id, ()))

    def viewers(self, org_id: str) -> list[Viewer]:
        """Who has a screen open now (a reviewer with two tabs appears once)."""
        return list(dict.fromkeys(self._subscribers.get(org_id, {}).values()))

    def publish(self, org_id: str, frame: str, audience: Audience = everyone) -> int:
        """Hand ``frame`` to every subscriber of ``org_id`` in ``audience``; returns how many."""
        told = 0
        for subscriber, viewer in tuple(self._subscribers.get(org_id, {}).items()):
            if audience(viewer):
                subscriber(frame)
                told += 1
        return told
