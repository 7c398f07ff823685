"""Creating organisations, agents, reviewers and credentials; authenticating secrets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.audit import service as audit
from expacti_server.audit.actor import SYSTEM, Actor
from expacti_server.db.base import utcnow
from expacti_server.errors import AuthenticationFailed, InvalidRequest
from expacti_server.identity.models import Agent, Credential, Org, Reviewer
from expacti_server.identity.principal import Principal, Role
from expacti_server.identity.roles import ReviewerRole
from expacti_server.identity.secrets import (
    CredentialKind,
    hash_secret,
    hint_of,
    new_secret,
    secret_matches,
)
from expacti_server.ids import new_id

MIN_TIMEOUT_SECONDS = 30
MAX_TIMEOUT_SECONDS = 600


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """A credential just created; ``secret`` is shown once and never stored."""

    id: str
    kind: CredentialKind
    org_name: str
    principal_name: str
    secret: str


async def ensure_org(conn: AsyncConnection, *, name: str, timeout_seconds: int = 60) -> str:
    """The id of the organisation called ``name``, creating it if needed."""
    found = await conn.scalar(select(Org.id).where(Org.name == name))
    if found is not None:
        return found
    check_timeout_policy(timeout_seconds)
    org_id = new_id("org")
    await conn.execute(
        insert(Org),
        {"id": org_id, "name": name, "timeout_seconds": timeout_seconds, "created_at": utcnow()},
    )
    await audit.record(conn, org_id=org_id, actor=SYSTEM, action="org.created", data={"name": name})
    return org_id


def check_timeout_policy(timeout_seconds: int) -> None:
    """Refuse an organisation timeout outside 30 s - 10 min."""
    if not MIN_TIMEOUT_SECONDS <= timeout_seconds <= MAX_TIMEOUT_SECONDS:
        raise InvalidRequest(
            f"timeout_seconds must be between {MIN_TIMEOUT_SECONDS} and {MAX_TIMEOUT_SECONDS}",
            timeout_seconds=timeout_seconds,
        )


async def _ensure_member(
    conn: AsyncConnection, table: type[Agent] | type[Reviewer], *, org_id: str, name: str
) -> str:
    found = await conn.scalar(select(table.id).where(table.org_id == org_id, table.name == name))
    if found is not None:
        return found
    member_id = new_id("agt" if table is Agent else "rev")
    await conn.execute(
        insert(table),
        {"id": member_id, "org_id": org_id, "name": name, "created_at": utcnow()},
    )
    return member_id


async def issue_credential(
    conn: AsyncConnection,
    *,
    org_name: str,
    kind: CredentialKind,
    principal_name: str,
    credential_name: str | None = None,
    secret: str | None = None,
    issued_by: Actor = SYSTEM,
    reviewer_role: ReviewerRole | None = None,
) -> IssuedCredential:
    """Create the org and principal if needed, then a new credential for the principal.

    ``secret`` is only passed for the eval stack's well-known demo tokens.
    ``reviewer_role`` sets a reviewer's role. Without it an existing reviewer keeps
    theirs, the org's first reviewer becomes its admin, and any other new one is a
    ``reviewer``.
    """
    if not principal_name.strip():
        raise InvalidRequest("a name is required")
    org_id = await ensure_org(conn, name=org_name)
    is_agent = kind is CredentialKind.AGENT_TOKEN
    if is_agent and reviewer_role is not None:
        raise InvalidRequest("an agent has no reviewer role")
    existed = await conn.scalar(
        select(func.count()).where(
            (Agent.org_id if is_agent else Reviewer.org_id) == org_id,
            (Agent.name if is_agent else Reviewer.name) == principal_name,
        )
    )
    principal_id = await _ensure_member(
        conn, Agent if is_agent else Reviewer, org_id=org_id, name=principal_name
    )
    if not is_agent and reviewer_role is None and not existed:
        # An organisation's first reviewer founds it: without an admin nobody could
        # ever change its policy.
        has_admin = await conn.scalar(
            select(Reviewer.id).where(
                Reviewer.org_id == org_id, Reviewer.role == ReviewerRole.ADMIN.value
            )
        )
        if has_admin is None:
            reviewer_role = ReviewerRole.ADMIN
    if reviewer_role is not None:
        await conn.execute(
            update(Reviewer).where(Reviewer.id == principal_id).values(role=reviewer_role.value)
        )
    secret = secret or new_secret(kind)
    credential_id = new_id("cred")
    await conn.execute(
        insert(Credential),
        {
            "id": credential_id,
            "org_id": org_id,
            "kind": kind.value,
            "agent_id": principal_id if is_agent else None,
            "reviewer_id": None if is_agent else principal_id,
            "name": credential_name or f"{kind.value} for {principal_name}",
            "secret_hash": hash_secret(secret),
            "hint": hint_of(secret),
            "created_at": utcnow(),
        },
    )
    await audit.record(
        conn,
        org_id=org_id,
        actor=issued_by,
        action="credential.created",
        data={"credential_id": credential_id, "kind": kind.value, "for": principal_name},
    )
    return IssuedCredential(credential_id, kind, org_name, principal_name, secret)


def principal_query() -> Select[*tuple[Any, ...]]:
    """The columns a Principal is built from, joined from a credential; add a WHERE."""
    return (
        select(
            Credential.id,
            Credential.kind,
            Credential.secret_hash,
            Credential.org_id,
            Org.name.label("org_name"),
            Credential.agent_id,
            Agent.name.label("agent_name"),
            Credential.reviewer_id,
            Reviewer.name.label("reviewer_name"),
            Reviewer.role.label("reviewer_role"),
        )
        .join(Org, Org.id == Credential.org_id)
        .outerjoin(Agent, Agent.id == Credential.agent_id)
        .outerjoin(Reviewer, Reviewer.id == Credential.reviewer_id)
    )


def principal_of(row: Row[Any]) -> Principal:
    """The Principal of a row selected by ``principal_query``."""
    if row.kind == CredentialKind.AGENT_TOKEN:
        role, member_id, member_name = Role.AGENT, row.agent_id, row.agent_name
        reviewer_role = None
    else:
        role, member_id, member_name = Role.REVIEWER, row.reviewer_id, row.reviewer_name
        reviewer_role = ReviewerRole(row.reviewer_role)
    return Principal(
        role=role,
        org_id=row.org_id,
        org_name=row.org_name,
        id=member_id,
        name=member_name,
        credential_id=row.id,
        credential_kind=row.kind,
        reviewer_role=reviewer_role,
    )


async def authenticate(conn: AsyncConnection, secret: str) -> Principal:
    """The principal a secret belongs to, or AuthenticationFailed."""
    if not secret or len(secret) > 512:
        raise AuthenticationFailed()
    row = (
        await conn.execute(
            principal_query().where(
                Credential.secret_hash == hash_secret(secret), Credential.revoked_at.is_(None)
            )
        )
    ).first()
    if row is None or not secret_matches(secret, row.secret_hash):
        raise AuthenticationFailed()
    return principal_of(row)


async def mark_used(conn: AsyncConnection, principal: Principal, *, via: str) -> None:
    """Stamp ``last_used_at`` and append a credential.used audit event."""
    await conn.execute(
        update(Credential)
        .where(Credential.id == principal.credential_id)
        .values(last_used_at=utcnow())
    )
    await audit.record(
        conn,
        org_id=principal.org_id,
        actor=principal.actor,
        action="credential.used",
        data={"credential_id": principal.credential_id, "via": via},
    )


async def revoke_credential(conn: AsyncConnection, *, credential_id: str) -> bool:
    """Revoke a credential (audited); False if it did not exist or was already revoked."""
    result = await conn.execute(
        update(Credential)
        .where(Credential.id == credential_id, Credential.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if not result.rowcount:
        return False
    row = (
        await conn.execute(
            select(Credential.org_id, Credential.kind, Credential.name).where(
                Credential.id == credential_id
            )
        )
    ).one()
    await audit.record(
        conn,
        org_id=row.org_id,
        actor=SYSTEM,
        action="credential.revoked",
        data={"credential_id": credential_id, "kind": row.kind, "name": row.name},
    )
    return True
