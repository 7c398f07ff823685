"""Retry delays: exponential backoff with full jitter."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Final

__all__ = ["INITIAL_BACKOFF", "backoff_delay"]

INITIAL_BACKOFF: Final = 0.1
"""Upper bound of the first retry delay, in seconds."""


def backoff_delay(
    failures: int,
    *,
    cap: float,
    initial: float = INITIAL_BACKOFF,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before the next attempt after ``failures`` consecutive failures.

    Full jitter: a uniform pick in ``[0, min(cap, initial * 2 ** (failures - 1)))``, so many
    clients that lost the same server do not all come back at the same instant. No
    failures yet means no wait.
    """
    if failures <= 0:
        return 0.0
    # Clamp the exponent so a long outage cannot overflow the float.
    ceiling = min(cap, initial * 2.0 ** min(failures - 1, 62))
    return rand() * ceiling
