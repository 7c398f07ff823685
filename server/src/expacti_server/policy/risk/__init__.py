"""Risk scoring: a hint for the human reviewer, never a gate by itself.

Each rule is a plugin (``RiskRule``: an ``id``, a ``weight`` and
``evaluate(command, context)``) registered through the ``expacti.risk_rules``
entry points, built-in rules included. ``assess`` runs rules and combines
their findings; ``policy.analysis`` is what the server calls. See docs/RISK.md.
"""

from __future__ import annotations

from expacti_server.policy.risk.interface import (
    EMPTY_HISTORY,
    AgentHistory,
    RiskContext,
    RiskFinding,
    RiskRule,
    RiskRuleError,
)
from expacti_server.policy.risk.registry import (
    BUILTIN_IDS,
    ENTRY_POINT_GROUP,
    RiskRegistry,
    builtin_rules,
    default_registry,
    is_contextual,
)
from expacti_server.policy.risk.scoring import (
    HIGH_RISK,
    NO_RISK,
    RiskAssessment,
    assess,
    combine,
)

__all__ = [
    "BUILTIN_IDS",
    "EMPTY_HISTORY",
    "ENTRY_POINT_GROUP",
    "HIGH_RISK",
    "NO_RISK",
    "AgentHistory",
    "RiskAssessment",
    "RiskContext",
    "RiskFinding",
    "RiskRegistry",
    "RiskRule",
    "RiskRuleError",
    "assess",
    "builtin_rules",
    "combine",
    "default_registry",
    "is_contextual",
]
