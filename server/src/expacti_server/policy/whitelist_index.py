"""One organisation's whitelist rules, indexed for the hot path.

A command is approved without a human only when the rules cover it entirely:
either an exact rule equals the whole command, or every simple command inside
it (see ``shell.ParsedCommand.parts``) is matched by some rule. Anything the
index is unsure about (unparseable text, control flow, an uncovered part)
returns ``None`` and goes to a human.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from expacti_server.errors import InvalidRequest
from expacti_server.policy.patterns import CompiledPattern, RuleType
from expacti_server.policy.shell import ParsedCommand, strip_blanks

__all__ = ["IndexedRule", "Scope", "ScopeKind", "WhitelistIndex", "WhitelistMatch"]


class ScopeKind(StrEnum):
    """Where a rule applies."""

    GLOBAL = "global"
    GROUP = "group"
    TARGET = "target"


@dataclass(frozen=True, slots=True)
class Scope:
    """Every target, the targets of one group, or one target."""

    kind: ScopeKind
    value: str | None = None

    def __post_init__(self) -> None:
        if self.kind == ScopeKind.GLOBAL and self.value is not None:
            raise InvalidRequest("a global scope takes no name", scope=self.value)
        if self.kind != ScopeKind.GLOBAL and not self.value:
            raise InvalidRequest(f"a {self.kind} scope needs a name, as in {self.kind}:NAME")

    @classmethod
    def parse(cls, text: str | None) -> Scope:
        """Read ``"global"`` (or None / ``""``), ``"group:NAME"`` or ``"target:NAME"``."""
        if text is None or text in ("", ScopeKind.GLOBAL):
            return cls(ScopeKind.GLOBAL)
        prefix, colon, name = text.partition(":")
        # A name with surrounding spaces ("group: web") would silently never match.
        named = bool(name) and name == name.strip()
        if colon and named and prefix in (ScopeKind.GROUP, ScopeKind.TARGET):
            return cls(ScopeKind(prefix), name)
        raise InvalidRequest(
            f"invalid scope {text!r}: use 'global', 'group:NAME' or 'target:NAME'"
            " (NAME not empty, no surrounding spaces)",
            scope=text,
        )

    def __str__(self) -> str:
        return str(self.kind) if self.value is None else f"{self.kind}:{self.value}"

    def applies_to(self, target: str | None, target_groups: frozenset[str]) -> bool:
        """Whether a rule with this scope may approve a command bound for ``target``."""
        if self.kind == ScopeKind.GLOBAL:
            return True
        if self.kind == ScopeKind.TARGET:
            return target is not None and self.value == target
        return self.value in target_groups


@dataclass(frozen=True, slots=True)
class IndexedRule:
    """A compiled whitelist rule as the index holds it."""

    id: str
    pattern: CompiledPattern
    scope: Scope
    expires_at: float | None  # unix seconds; None = never

    def applies(self, target: str | None, target_groups: frozenset[str], now: float) -> bool:
        """In force (not expired) and in scope for this target."""
        live = self.expires_at is None or now < self.expires_at
        return live and self.scope.applies_to(target, target_groups)


@dataclass(frozen=True, slots=True)
class WhitelistMatch:
    """The rules that approved a command: distinct ids in part order, first = the one reported."""

    rule_ids: tuple[str, ...]


class _Context(NamedTuple):
    """Who is asking and when: what decides whether a rule applies."""

    target: str | None
    target_groups: frozenset[str]
    now: float


class WhitelistIndex:
    """Exact rules in a hash map; glob and regex rules scanned in insertion order.

    The scan sits behind ``_match_patterns`` so that a multi-pattern engine
    (one RE2 set for all patterns) can replace it without changing callers.
    Not thread-safe: mutate and match from one event loop.
    """

    __slots__ = ("_exact", "_patterns", "_rules")

    def __init__(self, rules: Iterable[IndexedRule] = ()) -> None:
        self._rules: dict[str, IndexedRule] = {}
        # Stripped text -> rules with that text, by id (dicts keep insertion order).
        self._exact: dict[str, dict[str, IndexedRule]] = {}
        self._patterns: dict[str, IndexedRule] = {}
        for rule in rules:
            self.add(rule)

    def __len__(self) -> int:
        return len(self._rules)

    def rules(self) -> tuple[IndexedRule, ...]:
        """Every rule, as a snapshot (to build another index from)."""
        return tuple(self._rules.values())

    def add(self, rule: IndexedRule) -> None:
        """Add ``rule``, replacing any rule with the same id."""
        self.remove(rule.id)
        self._rules[rule.id] = rule
        if rule.pattern.type is RuleType.EXACT:
            self._exact.setdefault(strip_blanks(rule.pattern.source), {})[rule.id] = rule
        else:
            self._patterns[rule.id] = rule

    def remove(self, rule_id: str) -> None:
        """Forget the rule with this id; nothing happens if there is none."""
        rule = self._rules.pop(rule_id, None)
        if rule is None:
            return
        if rule.pattern.type is not RuleType.EXACT:
            del self._patterns[rule_id]
            return
        key = strip_blanks(rule.pattern.source)
        same_text = self._exact[key]
        del same_text[rule_id]
        if not same_text:
            del self._exact[key]

    def match(
        self,
        parsed: ParsedCommand,
        *,
        target: str | None,
        target_groups: frozenset[str],
        now: float,
    ) -> WhitelistMatch | None:
        """The rules that approve ``parsed`` on ``target`` at ``now``, or None for a human."""
        if not parsed.parseable:
            return None
        context = _Context(target, target_groups, now)
        # A human approved exactly this text before, whatever it contains.
        whole = self._match_exact(strip_blanks(parsed.text), context)
        if whole is not None:
            return WhitelistMatch((whole.id,))
        # Loops and functions run their parts any number of times, in any order, with
        # values known only at run time: approving the parts does not approve the whole.
        # A command with no parts (a comment) approves nothing either.
        if parsed.control_flow or not parsed.parts:
            return None
        return self._match_parts(parsed.parts, context)

    def _match_parts(self, parts: tuple[str, ...], context: _Context) -> WhitelistMatch | None:
        rule_ids: dict[str, None] = {}  # an ordered set
        for part in parts:
            rule = self._match_exact(part, context) or self._match_patterns(part, context)
            if rule is None:
                return None
            rule_ids[rule.id] = None
        return WhitelistMatch(tuple(rule_ids))

    def _match_exact(self, text: str, context: _Context) -> IndexedRule | None:
        for rule in self._exact.get(text, {}).values():
            if rule.applies(context.target, context.target_groups, context.now):
                return rule
        return None

    def _match_patterns(self, part: str, context: _Context) -> IndexedRule | None:
        for rule in self._patterns.values():
            if rule.applies(context.target, context.target_groups, context.now) and (
                rule.pattern.matches(part)
            ):
                return rule
        return None
