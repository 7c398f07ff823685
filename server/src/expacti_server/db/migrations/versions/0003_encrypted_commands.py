"""end-to-end encrypted commands: reviewer keys, and the envelope on commands

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import expacti_server.db.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviewer_keys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("reviewer_id", sa.String(length=40), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_reviewer_keys_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["reviewers.id"],
            name=op.f("fk_reviewer_keys_reviewer_id_reviewers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewer_keys")),
    )
    with op.batch_alter_table("reviewer_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reviewer_keys_org_fingerprint", ["org_id", "fingerprint"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reviewer_keys_reviewer_id"), ["reviewer_id"], unique=False
        )
    # A nullable column with no default: added in place on both databases, no table rewrite.
    op.add_column("commands", sa.Column("encrypted", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commands", schema=None) as batch_op:
        batch_op.drop_column("encrypted")
    with op.batch_alter_table("reviewer_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviewer_keys_reviewer_id"))
        batch_op.drop_index("ix_reviewer_keys_org_fingerprint")
    op.drop_table("reviewer_keys")
