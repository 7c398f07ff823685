"""Browser sign-in sessions: a cookie secret that stands in for a reviewer credential.

The browser never keeps the reviewer's token: signing in trades it for a
random session secret in an HttpOnly cookie. The session stores only the
secret's hash and the credential it was made from, so revoking that
credential, signing out or the session's expiry each end it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.audit import service as audit
from expacti_server.db.base import utcnow
from expacti_server.errors import AuthenticationFailed
from expacti_server.identity.models import Credential, ReviewerSession
from expacti_server.identity.principal import Principal, Role
from expacti_server.identity.secrets import hash_secret, secret_matches
from expacti_server.identity.service import principal_of, principal_query
from expacti_server.ids import new_id

SESSION_COOKIE = "expacti_session"
MAX_SESSION_SECRET_LENGTH = 128


@dataclass(frozen=True, slots=True)
class StartedSession:
    """A session just created; ``secret`` goes into the cookie and nowhere else."""

    id: str
    secret: str
    expires_at: datetime


async def start(
    conn: AsyncConnection, principal: Principal, *, ttl_seconds: int, remote: str | None
) -> StartedSession:
    """Open a session for a reviewer who has just proven a credential."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session = StartedSession(
        id=new_id("ses"), secret=secret, expires_at=now + timedelta(seconds=ttl_seconds)
    )
    await conn.execute(
        insert(ReviewerSession).values(
            id=session.id,
            org_id=principal.org_id,
            credential_id=principal.credential_id,
            secret_hash=hash_secret(secret),
            created_at=now,
            expires_at=session.expires_at,
        )
    )
    await audit.record(
        conn,
        org_id=principal.org_id,
        actor=principal.actor,
        action="session.started",
        data={"session_id": session.id, "credential_id": principal.credential_id, "remote": remote},
        at=now,
    )
    return session


@dataclass(frozen=True, slots=True)
class SessionPrincipal:
    """The reviewer behind a live session, and when the session ends."""

    principal: Principal
    session_id: str
    expires_at: datetime


async def resolve(conn: AsyncConnection, secret: str) -> SessionPrincipal:
    """The reviewer a session secret belongs to; AuthenticationFailed if it is not live."""
    if not secret or len(secret) > MAX_SESSION_SECRET_LENGTH:
        raise AuthenticationFailed("not signed in, or the session has ended")
    row = (
        await conn.execute(
            principal_query()
            .add_columns(
                ReviewerSession.id.label("session_id"),
                ReviewerSession.secret_hash.label("session_hash"),
                ReviewerSession.expires_at,
            )
            .join(ReviewerSession, ReviewerSession.credential_id == Credential.id)
            .where(
                ReviewerSession.secret_hash == hash_secret(secret),
                ReviewerSession.ended_at.is_(None),
                ReviewerSession.expires_at > utcnow(),
                Credential.revoked_at.is_(None),
            )
        )
    ).first()
    if row is None or not secret_matches(secret, row.session_hash):
        raise AuthenticationFailed("not signed in, or the session has ended")
    principal = principal_of(row)
    if principal.role is not Role.REVIEWER:  # sessions are only ever made for reviewers
        raise AuthenticationFailed("not signed in, or the session has ended")
    return SessionPrincipal(
        principal=principal, session_id=row.session_id, expires_at=row.expires_at
    )


async def end(conn: AsyncConnection, session: SessionPrincipal) -> None:
    """Sign out: the cookie stops working at once, whatever the browser keeps."""
    await conn.execute(
        update(ReviewerSession)
        .where(ReviewerSession.id == session.session_id, ReviewerSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    await audit.record(
        conn,
        org_id=session.principal.org_id,
        actor=session.principal.actor,
        action="session.ended",
        data={"session_id": session.session_id},
    )


async def is_live(conn: AsyncConnection, session_id: str) -> bool:
    """Whether a session is still usable (not ended, not expired, credential not revoked)."""
    row = (
        await conn.execute(
            select(ReviewerSession.id)
            .join(Credential, Credential.id == ReviewerSession.credential_id)
            .where(
                ReviewerSession.id == session_id,
                ReviewerSession.ended_at.is_(None),
                ReviewerSession.expires_at > utcnow(),
                Credential.revoked_at.is_(None),
            )
        )
    ).first()
    return row is not None
