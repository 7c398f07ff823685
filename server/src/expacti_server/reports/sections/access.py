"""Who can approve, and how they authenticate: reviewers, roles, agents, owners, credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute, aliased

from expacti_server.audit.models import AuditEvent
from expacti_server.identity.models import Agent, Credential, Reviewer
from expacti_server.identity.roles import ReviewerRole
from expacti_server.identity.secrets import CredentialKind
from expacti_server.reports.sections.models import (
    LIST_LIMIT,
    AccessSection,
    AgentEntry,
    AuthenticationSection,
    CredentialCounts,
    Listing,
    ReviewerEntry,
    RoleCounts,
)
from expacti_server.reports.window import ReportWindow

MFA_FINDING: Final = "not enforced: expacti has no MFA for reviewers yet"

REVOCATION_NOTE: Final = (
    "Revocations are read from the credentials table: revoking a credential "
    "(`expacti-server token revoke`) writes no audit record yet."
)
ROLES_NOTE: Final = (
    "Roles, owners and credentials are as they are when the report is generated; "
    "changes in the range are in the `changes` section."
)
FAILED_AUTH_NOTE: Final = (
    "Failed authentications name no organisation (the credential was not recognised), so "
    "they are in the server-wide audit chain, not in an organisation's report."
)


async def access_section(
    conn: AsyncConnection, *, org_id: str, window: ReportWindow, now: datetime
) -> AccessSection:
    """Reviewers by role, agents and owners, credential counts (counted in SQL; the lists
    hold the first ``LIST_LIMIT`` by name)."""
    roles = dict.fromkeys(ReviewerRole, 0)
    for role, n in await conn.execute(
        select(Reviewer.role, func.count()).where(Reviewer.org_id == org_id).group_by(Reviewer.role)
    ):
        roles[ReviewerRole(role)] = int(n)
    agents, owned = (
        await conn.execute(
            select(func.count(), func.count(Agent.owner_reviewer_id)).where(Agent.org_id == org_id)
        )
    ).one()
    return AccessSection(
        as_of=now,
        reviewers_by_role=RoleCounts(**{role.value: n for role, n in roles.items()}),
        deciding_reviewers=sum(n for role, n in roles.items() if role.decides),
        admins=await _names(conn, org_id, ReviewerRole.ADMIN),
        auditors=await _names(conn, org_id, ReviewerRole.AUDITOR),
        reviewers=Listing[ReviewerEntry](
            total=sum(roles.values()), items=await _reviewers(conn, org_id)
        ),
        agents=Listing[AgentEntry](total=int(agents), items=await _agents(conn, org_id)),
        agents_with_owner=int(owned),
        credentials=await _credentials(conn, org_id, window),
        notes=[ROLES_NOTE, REVOCATION_NOTE],
    )


async def authentication_section(
    conn: AsyncConnection, *, org_id: str, window: ReportWindow, session_ttl_seconds: int
) -> AuthenticationSection:
    """How reviewers sign in; MFA reported as it is: absent."""
    sign_ins = await conn.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.org_id == org_id,
            AuditEvent.action == "session.started",
            AuditEvent.at >= window.start,
            AuditEvent.at < window.end,
        )
    )
    return AuthenticationSection(
        mfa_enforced=False,
        mfa=MFA_FINDING,
        methods=[
            "reviewer token (bearer)",
            "API key expacti_<32 hex> (bearer)",
            "web session cookie made from one of those",
        ],
        secret_storage=(  # noqa: S106 - a description, not a secret
            "random secrets of 160+ bits, stored only as SHA-256 digests and compared in "
            "constant time"
        ),
        session_ttl_seconds=session_ttl_seconds,
        sign_ins=int(sign_ins or 0),
        notes=[
            "A reviewer credential is a single factor: whoever holds the token or API key "
            "acts as the reviewer. Password, TOTP and SSO sign-in are not implemented yet.",
            FAILED_AUTH_NOTE,
        ],
    )


async def _reviewers(conn: AsyncConnection, org_id: str) -> list[ReviewerEntry]:
    active = (
        select(Credential.reviewer_id, func.count().label("n"))
        .where(Credential.org_id == org_id, Credential.revoked_at.is_(None))
        .group_by(Credential.reviewer_id)
        .subquery()
    )
    rows = await conn.execute(
        select(Reviewer.id, Reviewer.name, Reviewer.role, func.coalesce(active.c.n, 0).label("n"))
        .outerjoin(active, active.c.reviewer_id == Reviewer.id)
        .where(Reviewer.org_id == org_id)
        .order_by(Reviewer.name)
        .limit(LIST_LIMIT)
    )
    return [
        ReviewerEntry(
            id=row.id,
            name=row.name,
            role=row.role,
            decides=ReviewerRole(row.role).decides,
            active_credentials=int(row.n),
        )
        for row in rows
    ]


async def _names(conn: AsyncConnection, org_id: str, role: ReviewerRole) -> list[str]:
    rows = await conn.execute(
        select(Reviewer.name)
        .where(Reviewer.org_id == org_id, Reviewer.role == role.value)
        .order_by(Reviewer.name)
        .limit(LIST_LIMIT)
    )
    return [str(name) for (name,) in rows]


async def _agents(conn: AsyncConnection, org_id: str) -> list[AgentEntry]:
    owner = aliased(Reviewer)
    rows = await conn.execute(
        select(Agent.id, Agent.name, owner.name.label("owner"))
        .outerjoin(owner, owner.id == Agent.owner_reviewer_id)
        .where(Agent.org_id == org_id)
        .order_by(Agent.name)
        .limit(LIST_LIMIT)
    )
    return [AgentEntry(id=row.id, name=row.name, owner=row.owner) for row in rows]


async def _credentials(
    conn: AsyncConnection, org_id: str, window: ReportWindow
) -> CredentialCounts:
    active = {
        str(kind): int(n)
        for kind, n in await conn.execute(
            select(Credential.kind, func.count())
            .where(Credential.org_id == org_id, Credential.revoked_at.is_(None))
            .group_by(Credential.kind)
        )
    }

    async def count_between(column: InstrumentedAttribute[Any]) -> int:
        value = await conn.scalar(
            select(func.count())
            .select_from(Credential)
            .where(Credential.org_id == org_id, column >= window.start, column < window.end)
        )
        return int(value or 0)

    return CredentialCounts(
        reviewer_tokens=active.get(CredentialKind.REVIEWER_TOKEN, 0),
        api_keys=active.get(CredentialKind.API_KEY, 0),
        agent_tokens=active.get(CredentialKind.AGENT_TOKEN, 0),
        issued_in_range=await count_between(Credential.created_at),
        revoked_in_range=await count_between(Credential.revoked_at),
    )
