"""reviewer web sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import expacti_server.db.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviewer_sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_reviewer_sessions_credential_id_credentials"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_reviewer_sessions_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewer_sessions")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_reviewer_sessions_secret_hash")),
    )
    with op.batch_alter_table("reviewer_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reviewer_sessions_credential_id"), ["credential_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reviewer_sessions_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reviewer_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviewer_sessions_org_id"))
        batch_op.drop_index(batch_op.f("ix_reviewer_sessions_credential_id"))
    op.drop_table("reviewer_sessions")
