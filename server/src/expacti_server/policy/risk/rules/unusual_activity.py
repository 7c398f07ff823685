"""``unusual_activity``: off the organisation's working hours, or a burst of submissions."""

from __future__ import annotations

from expacti_server.policy.risk.interface import RiskContext, RiskFinding
from expacti_server.policy.shell import ParsedCommand

BURST_WINDOW_SECONDS = 60
# A burst: at least this many submissions in the window (this one included) ...
BURST_MIN = 10
# ... and at least this many times the agent's usual rate per minute.
BURST_FACTOR = 5


class UnusualActivity:
    """Outside working hours, or far more submissions in a minute than the agent's baseline."""

    id = "unusual_activity"
    weight = 50
    contextual = True

    def evaluate(self, command: ParsedCommand, context: RiskContext) -> RiskFinding | None:
        hours = context.working_hours
        off_hours = hours is not None and not hours.contains(context.now)
        history = context.history
        count = history.recent_count(BURST_WINDOW_SECONDS) + 1  # with this submission
        baseline = history.baseline_per_minute()
        burst = count >= max(BURST_MIN, BURST_FACTOR * baseline)
        reasons = []
        if off_hours and hours is not None:
            reasons.append(f"outside working hours ({hours.describe()})")
        if burst:
            reasons.append(
                f"{count} commands in the last minute against a usual {baseline:.1f} per minute"
            )
        if not reasons:
            return None
        score = 50 if off_hours and burst else 40 if burst else 20
        return RiskFinding(self.id, score, f"Submitted {' and '.join(reasons)}.")
