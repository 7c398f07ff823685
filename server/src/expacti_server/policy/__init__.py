"""Policy: how a command is read (shell), matched (patterns, whitelist_index) and scored (risk).

Pure, synchronous and free of I/O, so the hot path can call it directly.
"""

from __future__ import annotations

from expacti_server.policy.patterns import (
    MAX_PATTERN_LENGTH,
    CompiledPattern,
    RuleType,
    compile_pattern,
)
from expacti_server.policy.risk import (
    DEFAULT_RISK_RULES,
    RiskAssessment,
    RiskFinding,
    RiskRule,
    assess_risk,
)
from expacti_server.policy.shell import ParsedCommand, parse_command
from expacti_server.policy.whitelist_index import (
    IndexedRule,
    Scope,
    ScopeKind,
    WhitelistIndex,
    WhitelistMatch,
)

__all__ = [
    "DEFAULT_RISK_RULES",
    "MAX_PATTERN_LENGTH",
    "CompiledPattern",
    "IndexedRule",
    "ParsedCommand",
    "RiskAssessment",
    "RiskFinding",
    "RiskRule",
    "RuleType",
    "Scope",
    "ScopeKind",
    "WhitelistIndex",
    "WhitelistMatch",
    "assess_risk",
    "compile_pattern",
    "parse_command",
]
