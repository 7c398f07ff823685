"""The table of reviewers' public encryption keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from expacti_server.db.base import Base, UTCDateTime, utcnow


class ReviewerKey(Base):
    """An RSA-OAEP public key whose private half lives in one reviewer's browser.

    Agents encrypt commands for these keys; the server only ever holds the
    public half, so it can relay an encrypted command but never read it.
    """

    __tablename__ = "reviewer_keys"
    __table_args__ = (Index("ix_reviewer_keys_org_fingerprint", "org_id", "fingerprint"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("reviewers.id"), index=True)
    public_key: Mapped[str] = mapped_column(Text)  # SubjectPublicKeyInfo, DER, base64
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the DER, hex
    bits: Mapped[int]
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
