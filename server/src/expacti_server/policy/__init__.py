"""Policy: how a command is read (shell), matched (patterns, whitelist_index) and scored (risk).

Pure, synchronous and free of I/O, so the hot path can call it directly.
"""

from __future__ import annotations

from expacti_server.policy.activity import AgentActivity, program_names
from expacti_server.policy.patterns import (
    MAX_PATTERN_LENGTH,
    CompiledPattern,
    RuleType,
    compile_pattern,
)
from expacti_server.policy.risk import (
    HIGH_RISK,
    AgentHistory,
    RiskAssessment,
    RiskContext,
    RiskFinding,
    RiskRegistry,
    RiskRule,
    RiskRuleError,
    assess,
)
from expacti_server.policy.shell import ParsedCommand, parse_command
from expacti_server.policy.whitelist_index import (
    IndexedRule,
    Scope,
    ScopeKind,
    WhitelistIndex,
    WhitelistMatch,
)
from expacti_server.policy.working_hours import WorkingHours

__all__ = [
    "HIGH_RISK",
    "MAX_PATTERN_LENGTH",
    "AgentActivity",
    "AgentHistory",
    "CompiledPattern",
    "IndexedRule",
    "ParsedCommand",
    "RiskAssessment",
    "RiskContext",
    "RiskFinding",
    "RiskRegistry",
    "RiskRule",
    "RiskRuleError",
    "RuleType",
    "Scope",
    "ScopeKind",
    "WhitelistIndex",
    "WhitelistMatch",
    "WorkingHours",
    "assess",
    "compile_pattern",
    "parse_command",
    "program_names",
]
