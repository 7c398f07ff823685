"""Small factories for test data."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from expacti import Decision


def make_decision(**changes: Any) -> Decision:
    base = Decision(
        approved=False,
        decision="denied",
        command_id="cmd_9",
        latency_ms=900.0,
        reviewer="bob",
        notes="not on a Friday",
        whitelisted=False,
        rule_id=None,
        risk_score=70,
        anomalies=("recursive_delete",),
        request_id="r-9",
        command="rm -rf /srv",
    )
    return replace(base, **changes)
