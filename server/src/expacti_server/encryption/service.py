"""Registering, listing and revoking reviewers' keys; checking an envelope's recipients."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.audit import service as audit
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.encryption.envelope import Envelope
from expacti_server.encryption.models import ReviewerKey
from expacti_server.encryption.public_key import parse_public_key
from expacti_server.encryption.schemas import KeyCreate, KeyOwner, KeyView
from expacti_server.errors import Conflict, InvalidFrame, InvalidRequest, NotFound, PermissionDenied
from expacti_server.identity.models import Reviewer
from expacti_server.identity.principal import Principal, Role
from expacti_server.ids import new_id

MAX_ACTIVE_KEYS_PER_REVIEWER = 20


class ReviewerKeyService:
    """The organisation's public keys; private keys never reach the server."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def register(self, principal: Principal, body: KeyCreate) -> tuple[KeyView, bool]:
        """Store a reviewer's key; (view, created). Registering the same key again returns it."""
        if principal.role is not Role.REVIEWER:
            raise PermissionDenied("only reviewers register encryption keys")
        key = parse_public_key(body.public_key)
        async with self._db.write() as conn:
            existing = await _active(
                conn, principal.org_id, ReviewerKey.fingerprint == key.fingerprint
            )
            if existing:
                if existing[0]["reviewer_id"] != principal.id:
                    raise Conflict(
                        "this key is already registered by another reviewer",
                        key_id=existing[0]["id"],
                    )
                return _view(existing[0]), False
            held = await conn.scalar(
                select(func.count())
                .select_from(ReviewerKey)
                .where(ReviewerKey.reviewer_id == principal.id, ReviewerKey.revoked_at.is_(None))
            )
            if (held or 0) >= MAX_ACTIVE_KEYS_PER_REVIEWER:
                raise InvalidRequest(
                    f"a reviewer may hold {MAX_ACTIVE_KEYS_PER_REVIEWER} active keys; revoke one",
                    limit=MAX_ACTIVE_KEYS_PER_REVIEWER,
                )
            values = {
                "id": new_id("key"),
                "org_id": principal.org_id,
                "reviewer_id": principal.id,
                "public_key": key.spki_b64,
                "fingerprint": key.fingerprint,
                "bits": key.bits,
                "label": body.label,
                "created_at": utcnow(),
                "revoked_at": None,
            }
            await conn.execute(insert(ReviewerKey), values)
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="key.registered",
                data={
                    "key_id": values["id"],
                    "fingerprint": key.fingerprint,
                    "bits": key.bits,
                    "label": body.label,
                },
            )
        return _view({**values, "reviewer_name": principal.name}), True

    async def list(self, principal: Principal) -> list[KeyView]:
        """The organisation's active keys, oldest first (agents may read them: they are public)."""
        async with self._db.read() as conn:
            return [_view(row) for row in await _active(conn, principal.org_id)]

    async def revoke(self, principal: Principal, key_id: str) -> None:
        """Revoke one of one's own keys; agents can no longer encrypt for it. Idempotent."""
        if principal.role is not Role.REVIEWER:
            raise PermissionDenied("only reviewers revoke encryption keys")
        async with self._db.write() as conn:
            row = (
                await conn.execute(
                    select(ReviewerKey.reviewer_id, ReviewerKey.revoked_at).where(
                        ReviewerKey.id == key_id, ReviewerKey.org_id == principal.org_id
                    )
                )
            ).first()
            if row is None:
                raise NotFound("no such key", key_id=key_id)
            if row.reviewer_id != principal.id:
                raise PermissionDenied("reviewers revoke only their own keys", key_id=key_id)
            if row.revoked_at is not None:
                return
            await conn.execute(
                update(ReviewerKey).where(ReviewerKey.id == key_id).values(revoked_at=utcnow())
            )
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="key.revoked",
                data={"key_id": key_id},
            )

    async def check_recipients(self, org_id: str, envelope: Envelope) -> None:
        """InvalidFrame unless every recipient is an active key of the org, wrapped to its size."""
        async with self._db.read() as conn:
            rows = await conn.execute(
                select(ReviewerKey.id, ReviewerKey.bits).where(
                    ReviewerKey.org_id == org_id,
                    ReviewerKey.id.in_(envelope.key_ids),
                    ReviewerKey.revoked_at.is_(None),
                )
            )
            bits = {row.id: row.bits for row in rows}
        for i, recipient in enumerate(envelope.recipients):
            where = f"encrypted.recipients[{i}]"
            if recipient.key_id not in bits:
                raise InvalidFrame(
                    f"{where}.key_id is not an active reviewer key of this organisation",
                    field=f"{where}.key_id",
                    key_id=recipient.key_id,
                )
            if len(recipient.wrapped_key) != (bits[recipient.key_id] + 7) // 8:
                raise InvalidFrame(
                    f"{where}.wrapped_key must be {(bits[recipient.key_id] + 7) // 8} bytes "
                    "(the RSA-OAEP output for that key)",
                    field=f"{where}.wrapped_key",
                )


async def holds_recipient_key(
    conn: AsyncConnection, principal: Principal, envelope: dict[str, Any]
) -> bool:
    """Whether ``principal`` registered one of the keys ``envelope`` was encrypted for.

    Revoked keys count: the command was encrypted while the key was live, and
    whoever still holds its private half can read it.
    """
    key_ids = [
        recipient.get("key_id")
        for recipient in envelope.get("recipients", [])
        if isinstance(recipient, dict)
    ]
    row = (
        await conn.execute(
            select(ReviewerKey.id).where(
                ReviewerKey.org_id == principal.org_id,
                ReviewerKey.reviewer_id == principal.id,
                ReviewerKey.id.in_([k for k in key_ids if isinstance(k, str)]),
            )
        )
    ).first()
    return row is not None


async def _active(conn: AsyncConnection, org_id: str, *where: Any) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(ReviewerKey, Reviewer.name.label("reviewer_name"))
        .join(Reviewer, Reviewer.id == ReviewerKey.reviewer_id)
        .where(ReviewerKey.org_id == org_id, ReviewerKey.revoked_at.is_(None), *where)
        .order_by(ReviewerKey.created_at, ReviewerKey.id)
    )
    return [dict(row._mapping) for row in rows]


def _view(row: dict[str, Any]) -> KeyView:
    return KeyView(
        id=row["id"],
        reviewer=KeyOwner(id=row["reviewer_id"], name=row["reviewer_name"]),
        public_key=row["public_key"],
        fingerprint=row["fingerprint"],
        bits=row["bits"],
        label=row["label"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )
