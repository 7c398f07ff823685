"""Small factories for test data."""

from __future__ import annotations

from typing import Any

from expacti import Decision


def make_decision(**changes: Any) -> Decision:
    fields: dict[str, Any] = {
        "approved": False,
        "decision": "denied",
        "command_id": "cmd_9",
        "latency_ms": 900.0,
        "reviewer": "bob",
        "notes": "not on a Friday",
        "whitelisted": False,
        "rule_id": None,
        "risk_score": 70,
        "anomalies": ("destructive",),
        "request_id": "r-9",
        "command": "rm -rf /srv",
    }
    return Decision(**(fields | changes))


def make_oversight_report(**changes: Any) -> dict[str, Any]:
    """The JSON of GET /api/v1/oversight."""
    body = {
        "available": True,
        "reviewers_online": 3,
        "eligible_online": 2,
        "senior_online": 1,
        "within_working_hours": True,
        "working_hours": {
            "timezone": "Europe/Berlin",
            "days": [1, 2, 3, 4, 5],
            "start": "09:00",
            "end": "17:30",
        },
        "timeout_seconds": 300,
        "timeout_action": "escalate",
        "checked_at": "2026-11-21T10:00:00.000000Z",
    }
    return body | changes
