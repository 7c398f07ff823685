"""Each organisation's compiled rules, kept in memory for the hot path."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.policy.patterns import compile_pattern
from expacti_server.policy.whitelist_index import IndexedRule, Scope, WhitelistIndex
from expacti_server.whitelist.models import WhitelistRule


def index_rule(rule: WhitelistRule) -> IndexedRule:
    """Compile a stored rule for matching (it was validated when saved)."""
    return IndexedRule(
        id=rule.id,
        pattern=compile_pattern(rule.pattern, rule.type),
        scope=Scope.parse(rule.scope),
        expires_at=rule.expires_at.timestamp() if rule.expires_at else None,
    )


class WhitelistCache:
    """org id → WhitelistIndex. Updated only after the database change commits."""

    def __init__(self) -> None:
        self._indexes: dict[str, WhitelistIndex] = {}

    def index_for(self, org_id: str) -> WhitelistIndex:
        """The org's index (empty if it has no rules)."""
        index = self._indexes.get(org_id)
        if index is None:
            index = self._indexes[org_id] = WhitelistIndex()
        return index

    def put(self, org_id: str, rules: Iterable[IndexedRule]) -> None:
        """Add or replace rules."""
        index = self.index_for(org_id)
        for rule in rules:
            index.add(rule)

    def drop(self, org_id: str, rule_id: str) -> None:
        """Forget a rule."""
        self.index_for(org_id).remove(rule_id)

    async def load(self, conn: AsyncConnection) -> int:
        """Fill the cache with every stored rule; returns how many."""
        rows = (await conn.execute(select(WhitelistRule))).all()
        for row in rows:
            rule = WhitelistRule(**row._mapping)
            self.put(rule.org_id, [index_rule(rule)])
        return len(rows)
