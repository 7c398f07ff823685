"""Where risk rules come from: Python entry points, the same way for built-in and third-party rules.

A package declares its rules in its ``pyproject.toml``::

    [project.entry-points."expacti.risk_rules"]
    my_rule = "my_package.rules:MyRule"

and ``RiskRegistry.load()`` imports and instantiates each one. The eight
built-in rules are declared in the server's own ``pyproject.toml``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from importlib.metadata import EntryPoint, entry_points

import structlog

from expacti_server.policy.risk.interface import RiskRule, RiskRuleError
from expacti_server.policy.risk.rules import (
    Destructive,
    Exfiltration,
    Novelty,
    Obfuscation,
    PrivilegeEscalation,
    RemoteCode,
    SecretAccess,
    UnusualActivity,
)

__all__ = [
    "BUILTIN_IDS",
    "ENTRY_POINT_GROUP",
    "RiskRegistry",
    "builtin_rules",
    "default_registry",
    "is_contextual",
]

log = structlog.get_logger(__name__)

ENTRY_POINT_GROUP = "expacti.risk_rules"
_BUILTIN_MODULES = "expacti_server.policy.risk.rules."
# Registration order, which also orders findings of equal score.
BUILTIN_IDS = (
    "destructive",
    "privilege_escalation",
    "remote_code",
    "secret_access",
    "exfiltration",
    "obfuscation",
    "novelty",
    "unusual_activity",
)
# Ids are kept in the database (anomaly_events.rule_id is 64 characters).
_RULE_ID = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
_MAX_ID_CHARS = 64


def builtin_rules() -> tuple[RiskRule, ...]:
    """The eight built-in rules, for when the package metadata (entry points) is missing."""
    return (
        Destructive(),
        PrivilegeEscalation(),
        RemoteCode(),
        SecretAccess(),
        Exfiltration(),
        Obfuscation(),
        Novelty(),
        UnusualActivity(),
    )


class RiskRegistry:
    """The rules in force, in registration order; ids are unique."""

    def __init__(self, rules: Iterable[RiskRule] = ()) -> None:
        self._rules: dict[str, RiskRule] = {}
        for rule in rules:
            self.register(rule)

    @classmethod
    def load(cls, group: str = ENTRY_POINT_GROUP) -> RiskRegistry:
        """Every rule declared under the entry-point ``group``.

        When no built-in rule is declared (the server runs from a source tree
        that was never installed, or from stale metadata) the built-ins come
        from ``builtin_rules()``, so that the server never runs without them.
        Raises RiskRuleError for a rule that cannot be loaded or is invalid.
        """
        found = sorted(entry_points(group=group), key=_load_order)
        registry = cls()
        if not any(ep.value.startswith(_BUILTIN_MODULES) for ep in found):
            log.warning("risk_rules_metadata_missing", group=group)
            for rule in builtin_rules():
                registry.register(rule)
        for ep in found:
            registry.register(_instantiate(ep))
        return registry

    def register(self, rule: RiskRule) -> None:
        """Add ``rule``; raise RiskRuleError when its id, weight or shape is invalid or taken."""
        rule_id = getattr(rule, "id", None)
        if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
            raise RiskRuleError(f"risk rule {rule!r} needs an id in snake_case, got {rule_id!r}")
        if len(rule_id) > _MAX_ID_CHARS:
            raise RiskRuleError(f"risk rule id {rule_id!r} is over {_MAX_ID_CHARS} characters")
        weight = getattr(rule, "weight", None)
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            raise RiskRuleError(f"risk rule {rule_id!r} needs a weight 1..100, got {weight!r}")
        if not callable(getattr(rule, "evaluate", None)):
            raise RiskRuleError(f"risk rule {rule_id!r} has no evaluate(command, context) method")
        if not isinstance(getattr(rule, "contextual", False), bool):
            raise RiskRuleError(f"risk rule {rule_id!r}: contextual must be True or False")
        if rule_id in self._rules:
            raise RiskRuleError(
                f"two risk rules have the id {rule_id!r}: "
                f"{type(self._rules[rule_id]).__qualname__} and {type(rule).__qualname__}"
            )
        self._rules[rule_id] = rule

    @property
    def rules(self) -> tuple[RiskRule, ...]:
        return tuple(self._rules.values())

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._rules)

    @property
    def static_rules(self) -> tuple[RiskRule, ...]:
        """Rules that read only the command text (and the egress allow-list): cacheable."""
        return tuple(r for r in self._rules.values() if not is_contextual(r))

    @property
    def contextual_rules(self) -> tuple[RiskRule, ...]:
        """Rules that read the agent's history, the time or the target: run per submission."""
        return tuple(r for r in self._rules.values() if is_contextual(r))

    def __iter__(self) -> Iterator[RiskRule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules


def is_contextual(rule: RiskRule) -> bool:
    """Whether ``rule`` declares ``contextual = True`` (the default is False)."""
    return getattr(rule, "contextual", False) is True


@functools.cache
def default_registry() -> RiskRegistry:
    """The rules the server runs: everything installed under ``expacti.risk_rules``."""
    return RiskRegistry.load()


def _load_order(ep: EntryPoint) -> tuple[int, str, str]:
    # Built-ins first and in a fixed order, so that a duplicate id is reported against
    # the third-party rule and equal scores list the same way on every install.
    if ep.value.startswith(_BUILTIN_MODULES) and ep.name in BUILTIN_IDS:
        return (BUILTIN_IDS.index(ep.name), "", "")
    return (len(BUILTIN_IDS), ep.name, ep.value)


def _instantiate(ep: EntryPoint) -> RiskRule:
    try:
        loaded = ep.load()
        rule: RiskRule = loaded() if isinstance(loaded, type) else loaded
    except Exception as exc:
        raise RiskRuleError(
            f"risk rule entry point {ep.name!r} ({ep.value}) could not be loaded: {exc!r}"
        ) from exc
    if getattr(rule, "id", None) != ep.name:
        raise RiskRuleError(
            f"risk rule entry point {ep.name!r} ({ep.value}) must be named after "
            f"its rule id {getattr(rule, 'id', None)!r}"
        )
    return rule
