"""Suite-wide safety net."""

from __future__ import annotations

import faulthandler
from collections.abc import Iterator

import pytest

HANG_SECONDS = 30


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    """A broken client waits for a decision forever; end the run loudly instead.

    Every test takes well under a second; only a hang reaches this, and then the run stops
    with every thread's stack on stderr.
    """
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()
