"""Organisation policy (the decision timeout), cached for the hot path."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import select, update

from expacti_server.audit import service as audit
from expacti_server.db.engine import Database
from expacti_server.errors import NotFound
from expacti_server.identity.models import Org
from expacti_server.identity.principal import Principal
from expacti_server.identity.service import (
    MAX_TIMEOUT_SECONDS,
    MIN_TIMEOUT_SECONDS,
    check_timeout_policy,
)


class OrgView(BaseModel):
    """An organisation and its policy."""

    id: str
    name: str
    timeout_seconds: int = Field(
        description="Seconds a command waits for a decision before it is timed out (auto-deny)."
    )


class OrgUpdate(BaseModel):
    """Policy fields to change."""

    timeout_seconds: int = Field(ge=MIN_TIMEOUT_SECONDS, le=MAX_TIMEOUT_SECONDS)


class OrgService:
    """Reads and changes organisation policy; keeps each org's timeout in memory."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._timeouts: dict[str, int] = {}

    async def timeout_for(self, org_id: str) -> int:
        """The org's decision timeout in seconds."""
        cached = self._timeouts.get(org_id)
        if cached is not None:
            return cached
        view = await self._load(org_id)
        return view.timeout_seconds

    async def get(self, principal: Principal) -> OrgView:
        """The caller's organisation."""
        return await self._load(principal.org_id)

    async def update(self, principal: Principal, change: OrgUpdate) -> OrgView:
        """Change the org's timeout policy (30 s - 10 min); applies to new commands."""
        check_timeout_policy(change.timeout_seconds)
        async with self._db.write() as conn:
            before = await conn.scalar(
                select(Org.timeout_seconds).where(Org.id == principal.org_id)
            )
            await conn.execute(
                update(Org)
                .where(Org.id == principal.org_id)
                .values(timeout_seconds=change.timeout_seconds)
            )
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="org.policy_changed",
                data={"timeout_seconds": {"before": before, "after": change.timeout_seconds}},
            )
        self._timeouts[principal.org_id] = change.timeout_seconds
        return await self._load(principal.org_id)

    async def _load(self, org_id: str) -> OrgView:
        async with self._db.read() as conn:
            row = (
                await conn.execute(
                    select(Org.id, Org.name, Org.timeout_seconds).where(Org.id == org_id)
                )
            ).first()
        if row is None:
            raise NotFound("no such organisation")
        self._timeouts[org_id] = row.timeout_seconds
        return OrgView(id=row.id, name=row.name, timeout_seconds=row.timeout_seconds)
