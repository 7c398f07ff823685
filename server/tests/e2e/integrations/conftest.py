"""The framework tools and the action talk to the server only over the wire protocol.

What they add sits entirely on the client side; the server's storage is exercised on both
databases by the rest of the suite, so these run against the SQLite server alone.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
