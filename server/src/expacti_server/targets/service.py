"""Target groups: storage and the target → groups lookup used by whitelist scopes."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.audit import service as audit
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.errors import InvalidRequest, NotFound
from expacti_server.identity.principal import Principal
from expacti_server.ids import new_id
from expacti_server.targets.models import TargetGroup

GROUP_NAME = re.compile(r"[A-Za-z0-9._\-]{1,100}")


class TargetGroupBody(BaseModel):
    """The members of a target group."""

    targets: list[str] = Field(max_length=10_000, description="Target names in the group.")


class TargetGroupView(BaseModel):
    """A stored target group."""

    name: str
    targets: list[str]


class TargetGroupService:
    """Keeps, per organisation, which groups each target belongs to."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._groups: dict[str, dict[str, list[str]]] = {}  # org → group → targets
        self._membership: dict[str, dict[str, frozenset[str]]] = {}  # org → target → groups

    def groups_of(self, org_id: str, target: str | None) -> frozenset[str]:
        """The groups ``target`` is in (empty for no target)."""
        if target is None:
            return frozenset()
        return self._membership.get(org_id, {}).get(target, frozenset())

    async def load(self, conn: AsyncConnection) -> None:
        """Fill the lookup from the database."""
        for row in (await conn.execute(select(TargetGroup))).all():
            self._groups.setdefault(row.org_id, {})[row.name] = list(row.targets)
        for org_id in self._groups:
            self._rebuild(org_id)

    async def put(self, principal: Principal, name: str, body: TargetGroupBody) -> TargetGroupView:
        """Create or replace a group."""
        if not GROUP_NAME.fullmatch(name):
            raise InvalidRequest("group names are 1-100 characters of A-Z a-z 0-9 . _ -")
        targets = sorted({t for t in body.targets if t})
        async with self._db.write() as conn:
            await conn.execute(
                delete(TargetGroup).where(
                    TargetGroup.org_id == principal.org_id, TargetGroup.name == name
                )
            )
            await conn.execute(
                insert(TargetGroup),
                {
                    "id": new_id("tgrp"),
                    "org_id": principal.org_id,
                    "name": name,
                    "targets": targets,
                    "updated_at": utcnow(),
                },
            )
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="target_group.saved",
                data={"name": name, "targets": targets},
            )
        self._groups.setdefault(principal.org_id, {})[name] = targets
        self._rebuild(principal.org_id)
        return TargetGroupView(name=name, targets=targets)

    def list(self, principal: Principal) -> list[TargetGroupView]:
        """The organisation's groups."""
        groups = self._groups.get(principal.org_id, {})
        return [TargetGroupView(name=n, targets=t) for n, t in sorted(groups.items())]

    async def delete(self, principal: Principal, name: str) -> None:
        """Remove a group (rules scoped to it then match nothing)."""
        if name not in self._groups.get(principal.org_id, {}):
            raise NotFound("no such target group", name=name)
        async with self._db.write() as conn:
            await conn.execute(
                delete(TargetGroup).where(
                    TargetGroup.org_id == principal.org_id, TargetGroup.name == name
                )
            )
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="target_group.deleted",
                data={"name": name},
            )
        del self._groups[principal.org_id][name]
        self._rebuild(principal.org_id)

    def _rebuild(self, org_id: str) -> None:
        membership: dict[str, set[str]] = {}
        for group, targets in self._groups.get(org_id, {}).items():
            for target in targets:
                membership.setdefault(target, set()).add(group)
        self._membership[org_id] = {t: frozenset(g) for t, g in membership.items()}
