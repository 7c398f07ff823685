"""Authenticating requests, with a rate-limited trail of credential use in the audit log."""

from __future__ import annotations

import time

from sqlalchemy import select

from expacti_server.audit import service as audit
from expacti_server.audit.actor import Actor
from expacti_server.db.engine import Database
from expacti_server.errors import AuthenticationFailed
from expacti_server.identity import service, sessions
from expacti_server.identity.models import Credential
from expacti_server.identity.principal import Principal

USE_RECORD_INTERVAL_SECONDS = 60.0
FAILURE_RECORD_INTERVAL_SECONDS = 10.0


class Authenticator:
    """Checks secrets and keeps the audit trail of who used which credential.

    Each credential's use is recorded at most once a minute and each source
    address's failures at most once every ten seconds, so that neither busy
    agents nor a flood of bad tokens can swamp the audit log.
    """

    def __init__(self, database: Database) -> None:
        self._db = database
        self._last_use_recorded: dict[str, float] = {}
        self._last_failure_recorded: dict[str, float] = {}

    async def authenticate(self, secret: str, *, via: str, remote: str | None) -> Principal:
        """The principal behind ``secret``; AuthenticationFailed otherwise."""
        try:
            async with self._db.read() as conn:
                principal = await service.authenticate(conn, secret)
        except AuthenticationFailed:
            await self._record_failure(via=via, remote=remote)
            raise
        if self._due(self._last_use_recorded, principal.credential_id, USE_RECORD_INTERVAL_SECONDS):
            async with self._db.write() as conn:
                await service.mark_used(conn, principal, via=via)
        return principal

    async def still_valid(self, principal: Principal) -> bool:
        """Whether the principal's credential still exists and is not revoked."""
        async with self._db.read() as conn:
            row = (
                await conn.execute(
                    select(Credential.revoked_at).where(Credential.id == principal.credential_id)
                )
            ).first()
        return row is not None and row.revoked_at is None

    async def open_session(
        self, principal: Principal, *, ttl_seconds: int, remote: str | None
    ) -> sessions.StartedSession:
        """Trade a just-checked reviewer credential for a browser session."""
        async with self._db.write() as conn:
            return await sessions.start(conn, principal, ttl_seconds=ttl_seconds, remote=remote)

    async def authenticate_session(
        self, secret: str, *, remote: str | None
    ) -> sessions.SessionPrincipal:
        """The reviewer behind a session cookie; AuthenticationFailed otherwise."""
        try:
            async with self._db.read() as conn:
                return await sessions.resolve(conn, secret)
        except AuthenticationFailed:
            await self._record_failure(via="session", remote=remote)
            raise

    async def close_session(self, session: sessions.SessionPrincipal) -> None:
        """Sign out."""
        async with self._db.write() as conn:
            await sessions.end(conn, session)

    async def close_session_of(self, secret: str) -> None:
        """End the session a cookie names, if it is still live (when signing in again)."""
        try:
            async with self._db.read() as conn:
                session = await sessions.resolve(conn, secret)
        except AuthenticationFailed:
            return
        await self.close_session(session)

    async def session_live(self, session_id: str) -> bool:
        """Whether a session still authenticates (for long-lived sockets)."""
        async with self._db.read() as conn:
            return await sessions.is_live(conn, session_id)

    async def _record_failure(self, *, via: str, remote: str | None) -> None:
        key = remote or "unknown"
        if not self._due(self._last_failure_recorded, key, FAILURE_RECORD_INTERVAL_SECONDS):
            return
        async with self._db.write() as conn:
            await audit.record(
                conn,
                org_id=None,
                actor=Actor(type="anonymous", name=remote),
                action="auth.failed",
                data={"via": via, "remote": remote},
            )

    @staticmethod
    def _due(stamps: dict[str, float], key: str, interval: float) -> bool:
        now = time.monotonic()
        last = stamps.get(key)
        if last is not None and now - last < interval:
            return False
        if len(stamps) > 100_000:  # bound memory under a flood of distinct keys
            stamps.clear()
        stamps[key] = now
        return True
