"""Each organisation's compiled rules, kept in memory for the hot path."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

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
    """org id → WhitelistIndex, plus the ``updated_at`` of each cached rule.

    The version lets the store check, inside the transaction that records a
    whitelisted decision, that the rule which matched is still the rule in the
    database. Changes drop a rule from the cache *before* they commit (so the
    window in between fails closed) and add the new version after.
    """

    def __init__(self) -> None:
        self._indexes: dict[str, WhitelistIndex] = {}
        self._versions: dict[str, datetime] = {}

    def index_for(self, org_id: str) -> WhitelistIndex:
        """The org's index (empty if it has no rules)."""
        index = self._indexes.get(org_id)
        if index is None:
            index = self._indexes[org_id] = WhitelistIndex()
        return index

    def version(self, rule_id: str) -> datetime:
        """The ``updated_at`` of a cached rule."""
        return self._versions[rule_id]

    def put(self, rules: Iterable[WhitelistRule]) -> None:
        """Add or replace stored rules."""
        for rule in rules:
            self.index_for(rule.org_id).add(index_rule(rule))
            self._versions[rule.id] = rule.updated_at

    def drop(self, org_id: str, rule_id: str) -> None:
        """Forget a rule."""
        self.index_for(org_id).remove(rule_id)
        self._versions.pop(rule_id, None)

    async def load(self, conn: AsyncConnection) -> int:
        """Fill the cache with every stored rule; returns how many."""
        rows = (await conn.execute(select(WhitelistRule))).all()
        self.put(WhitelistRule(**row._mapping) for row in rows)
        return len(rows)
