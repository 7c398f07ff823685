"""Creating, changing and removing whitelist rules, with their audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.audit import service as audit
from expacti_server.commands.models import Command
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.errors import InvalidRequest, NotFound
from expacti_server.identity.principal import Principal
from expacti_server.ids import new_id
from expacti_server.policy.patterns import RuleType, compile_pattern
from expacti_server.policy.whitelist_index import Scope
from expacti_server.whitelist.cache import WhitelistCache
from expacti_server.whitelist.models import WhitelistRule
from expacti_server.whitelist.preview import RuleDraft, RulePreviewer
from expacti_server.whitelist.schemas import (
    WhitelistRuleCreate,
    WhitelistRuleUpdate,
    WhitelistRuleView,
)


def rule_view(
    rule: WhitelistRule, *, now: datetime | None = None, source_command: str | None = None
) -> WhitelistRuleView:
    """The API view of a stored rule."""
    now = now or utcnow()
    return WhitelistRuleView(
        id=rule.id,
        pattern=rule.pattern,
        type=RuleType(rule.type),
        scope=rule.scope,
        expires_at=rule.expires_at,
        expired=rule.expires_at is not None and rule.expires_at <= now,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
        created_by=rule.created_by_name,
        created_from_command_id=rule.created_from_command_id,
        created_from_command=source_command,
        hit_count=rule.hit_count,
        last_hit_at=rule.last_hit_at,
    )


def _checked(pattern: str, rule_type: RuleType, scope: str) -> str:
    """Compile the pattern and parse the scope, raising typed errors; returns the scope text."""
    compile_pattern(pattern, rule_type)
    return str(Scope.parse(scope))


async def insert_rule(
    conn: AsyncConnection,
    *,
    principal: Principal,
    spec: WhitelistRuleCreate,
    from_command_id: str | None = None,
) -> WhitelistRule:
    """Validate and store a rule inside the caller's transaction (the cache is not touched)."""
    scope = _checked(spec.pattern, spec.type, spec.scope)
    now = utcnow()
    rule = WhitelistRule(
        id=new_id("rule"),
        org_id=principal.org_id,
        pattern=spec.pattern,
        type=spec.type.value,
        scope=scope,
        expires_at=now + timedelta(seconds=spec.ttl_seconds) if spec.ttl_seconds else None,
        created_at=now,
        updated_at=now,
        created_by_id=principal.id,
        created_by_name=principal.name,
        created_from_command_id=from_command_id,
        hit_count=0,
        last_hit_at=None,
    )
    await conn.execute(insert(WhitelistRule), _columns(rule))
    await audit.record(
        conn,
        org_id=principal.org_id,
        actor=principal.actor,
        action="whitelist.created",
        rule_id=rule.id,
        command_id=from_command_id,
        data=_describe(rule),
    )
    return rule


class WhitelistService:
    """Rule CRUD for the API: each change commits, then updates the matching cache."""

    def __init__(self, database: Database, cache: WhitelistCache, previewer: RulePreviewer) -> None:
        self._db = database
        self.cache = cache
        self.previewer = previewer

    async def create(self, principal: Principal, spec: WhitelistRuleCreate) -> WhitelistRuleView:
        """Store a new rule; one that would have approved a denied command needs confirming."""
        if not spec.confirm_denied_matches:
            await self.previewer.refuse_if_denied_matches(
                principal.org_id, RuleDraft(pattern=spec.pattern, type=spec.type, scope=spec.scope)
            )
        async with self._db.write() as conn:
            rule = await insert_rule(conn, principal=principal, spec=spec)
        self.cache.put([rule])
        return rule_view(rule)

    async def get(self, principal: Principal, rule_id: str) -> WhitelistRuleView:
        """One rule of the caller's organisation."""
        async with self._db.read() as conn:
            rule = await _load(conn, principal.org_id, rule_id)
            return rule_view(rule, source_command=await _source_command(conn, rule))

    async def expire(self, principal: Principal, rule_id: str) -> WhitelistRuleView:
        """Stop a rule from matching from now on, keeping it (and its history) listed."""
        async with self._db.write() as conn:
            rule = await _load(conn, principal.org_id, rule_id)
            now = utcnow()
            if rule.expires_at is None or rule.expires_at > now:
                with self._failing_closed(rule):
                    await conn.execute(
                        update(WhitelistRule)
                        .where(WhitelistRule.id == rule.id)
                        .values(expires_at=now, updated_at=now)
                    )
                    await audit.record(
                        conn,
                        org_id=principal.org_id,
                        actor=principal.actor,
                        action="whitelist.expired",
                        rule_id=rule.id,
                        data=_describe(rule),
                    )
                rule.expires_at = now
                rule.updated_at = now
            source = await _source_command(conn, rule)
        self.cache.put([rule])
        return rule_view(rule, source_command=source)

    async def list(
        self, principal: Principal, *, query: str | None = None, limit: int = 500
    ) -> list[WhitelistRuleView]:
        """The organisation's rules, newest first, optionally filtered by a pattern substring."""
        statement = (
            select(WhitelistRule, Command.command.label("source_command"))
            .outerjoin(
                Command,
                (Command.id == WhitelistRule.created_from_command_id)
                & (Command.org_id == WhitelistRule.org_id),
            )
            .where(WhitelistRule.org_id == principal.org_id)
        )
        if query:
            statement = statement.where(WhitelistRule.pattern.contains(query, autoescape=True))
        statement = statement.order_by(WhitelistRule.created_at.desc()).limit(limit)
        async with self._db.read() as conn:
            rows = (await conn.execute(statement)).all()
        now = utcnow()
        return [
            rule_view(
                WhitelistRule(**{key: row._mapping[key] for key in _COLUMN_KEYS}),
                now=now,
                source_command=row.source_command,
            )
            for row in rows
        ]

    async def update(
        self, principal: Principal, rule_id: str, change: WhitelistRuleUpdate
    ) -> WhitelistRuleView:
        """Change a rule's pattern, type, scope or expiry."""
        fields = change.model_fields_set - {"confirm_denied_matches"}
        if not fields:
            raise InvalidRequest("nothing to change")
        current = await self.get(principal, rule_id)
        # A new pattern, type or scope matches new commands; so does an expired
        # rule given a new lifetime. Either is checked like a new rule.
        widens = bool(fields & {"pattern", "type", "scope"}) or (
            "ttl_seconds" in fields and current.expired
        )
        if widens and not change.confirm_denied_matches:
            await self.previewer.refuse_if_denied_matches(
                principal.org_id,
                RuleDraft(
                    pattern=change.pattern if change.pattern is not None else current.pattern,
                    type=change.type if change.type is not None else current.type,
                    scope=change.scope or current.scope,
                ),
                replacing_rule_id=rule_id,
            )
        async with self._db.write() as conn:
            rule = await _load(conn, principal.org_id, rule_id)
            original = WhitelistRule(**_columns(rule))
            before = _describe(rule)
            rule.pattern = change.pattern if change.pattern is not None else rule.pattern
            rule.type = change.type.value if change.type is not None else rule.type
            rule.scope = _checked(rule.pattern, RuleType(rule.type), change.scope or rule.scope)
            now = utcnow()
            if "ttl_seconds" in fields:
                ttl = change.ttl_seconds
                rule.expires_at = now + timedelta(seconds=ttl) if ttl else None
            rule.updated_at = now
            with self._failing_closed(original):
                await conn.execute(
                    update(WhitelistRule).where(WhitelistRule.id == rule.id).values(_columns(rule))
                )
                await audit.record(
                    conn,
                    org_id=principal.org_id,
                    actor=principal.actor,
                    action="whitelist.updated",
                    rule_id=rule.id,
                    data={"before": before, "after": _describe(rule)},
                )
            source = await _source_command(conn, rule)
        self.cache.put([rule])
        return rule_view(rule, source_command=source)

    async def delete(self, principal: Principal, rule_id: str) -> None:
        """Remove a rule for good."""
        async with self._db.write() as conn:
            rule = await _load(conn, principal.org_id, rule_id)
            with self._failing_closed(rule):
                await conn.execute(delete(WhitelistRule).where(WhitelistRule.id == rule.id))
                await audit.record(
                    conn,
                    org_id=principal.org_id,
                    actor=principal.actor,
                    action="whitelist.deleted",
                    rule_id=rule.id,
                    data=_describe(rule),
                )

    @contextmanager
    def _failing_closed(self, rule: WhitelistRule) -> Iterator[None]:
        """The rule stops matching now, before its change is stored; should storing fail,
        the version before comes back. A changed rule matches again only once committed."""
        original = WhitelistRule(**_columns(rule))
        self.cache.drop(rule.org_id, rule.id)
        try:
            yield
        except BaseException:
            self.cache.put([original])
            raise


async def _load(conn: AsyncConnection, org_id: str, rule_id: str) -> WhitelistRule:
    row = (
        await conn.execute(
            select(WhitelistRule).where(WhitelistRule.id == rule_id, WhitelistRule.org_id == org_id)
        )
    ).first()
    if row is None:
        raise NotFound("no such whitelist rule", rule_id=rule_id)
    return WhitelistRule(**row._mapping)


async def _source_command(conn: AsyncConnection, rule: WhitelistRule) -> str | None:
    if rule.created_from_command_id is None:
        return None
    return (
        await conn.execute(
            select(Command.command).where(
                Command.id == rule.created_from_command_id, Command.org_id == rule.org_id
            )
        )
    ).scalar_one_or_none()


_COLUMN_KEYS = tuple(column.key for column in WhitelistRule.__table__.columns)


def _columns(rule: WhitelistRule) -> dict[str, object]:
    return {key: getattr(rule, key) for key in _COLUMN_KEYS}


def _describe(rule: WhitelistRule) -> dict[str, object]:
    return {
        "pattern": rule.pattern,
        "type": rule.type,
        "scope": rule.scope,
        "expires_at": rule.expires_at.isoformat() if rule.expires_at else None,
    }
