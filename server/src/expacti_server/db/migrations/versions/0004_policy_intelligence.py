"""policy intelligence: roles, approval policies, sessions, anomalies, suggestions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 12:42:18.167217
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import expacti_server.db.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "anomaly_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("command_id", sa.String(length=40), nullable=False),
        sa.Column("agent_id", sa.String(length=40), nullable=False),
        sa.Column("agent_name", sa.String(length=200), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_anomaly_events_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anomaly_events")),
    )
    with op.batch_alter_table("anomaly_events", schema=None) as batch_op:
        batch_op.create_index("ix_anomaly_events_command", ["command_id"], unique=False)
        batch_op.create_index("ix_anomaly_events_org_at", ["org_id", "at"], unique=False)

    op.create_table(
        "approval_policies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("target_scope", sa.String(length=300), nullable=True),
        sa.Column("min_risk", sa.Integer(), nullable=True),
        sa.Column("command_pattern", sa.Text(), nullable=True),
        sa.Column("command_pattern_type", sa.String(length=8), nullable=True),
        sa.Column("min_role", sa.String(length=16), nullable=False),
        sa.Column("require_n_approvers", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("created_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_approval_policies_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_policies")),
    )
    with op.batch_alter_table("approval_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_policies_org_id"), ["org_id"], unique=False)

    op.create_table(
        "rule_suggestions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("pattern", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("upgrade_of_rule_id", sa.String(length=40), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("rule_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_rule_suggestions_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_suggestions")),
        sa.UniqueConstraint("org_id", "fingerprint", name=op.f("uq_rule_suggestions_org_id")),
    )
    with op.batch_alter_table("rule_suggestions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_suggestions_org_id"), ["org_id"], unique=False)

    op.create_table(
        "agent_sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("agent_id", sa.String(length=40), nullable=False),
        sa.Column("agent_name", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("goal", sa.Text(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("current_step", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_sessions_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_agent_sessions_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_sessions")),
        sa.UniqueConstraint("agent_id", "client_id", name=op.f("uq_agent_sessions_agent_id")),
    )
    with op.batch_alter_table("agent_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_sessions_org_updated", ["org_id", "updated_at"], unique=False
        )

    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_reviewer_id", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_agents_owner_reviewer_id_reviewers"),
            "reviewers",
            ["owner_reviewer_id"],
            ["id"],
        )

    with op.batch_alter_table("commands", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("requirement", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("approvals", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "escalated_at", expacti_server.db.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("approved_command", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_commands_session_id"), ["session_id"], unique=False)

    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timeout_action", sa.String(length=16), server_default="deny", nullable=False)
        )
        batch_op.add_column(
            sa.Column("senior_risk_threshold", sa.Integer(), server_default="70", nullable=False)
        )
        batch_op.add_column(sa.Column("working_hours", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("egress_allow_list", sa.JSON(), nullable=True))

    with op.batch_alter_table("reviewers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), server_default="reviewer", nullable=False)
        )
    # Before roles, every reviewer could do everything: keep it so for existing ones.
    op.execute("UPDATE reviewers SET role = 'admin'")


def downgrade() -> None:
    with op.batch_alter_table("reviewers", schema=None) as batch_op:
        batch_op.drop_column("role")

    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.drop_column("egress_allow_list")
        batch_op.drop_column("working_hours")
        batch_op.drop_column("senior_risk_threshold")
        batch_op.drop_column("timeout_action")

    with op.batch_alter_table("commands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commands_session_id"))
        batch_op.drop_column("approved_command")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("approvals")
        batch_op.drop_column("requirement")
        batch_op.drop_column("session_id")

    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_agents_owner_reviewer_id_reviewers"), type_="foreignkey"
        )
        batch_op.drop_column("owner_reviewer_id")

    with op.batch_alter_table("agent_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_sessions_org_updated")

    op.drop_table("agent_sessions")
    with op.batch_alter_table("rule_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_suggestions_org_id"))

    op.drop_table("rule_suggestions")
    with op.batch_alter_table("approval_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_policies_org_id"))

    op.drop_table("approval_policies")
    with op.batch_alter_table("anomaly_events", schema=None) as batch_op:
        batch_op.drop_index("ix_anomaly_events_org_at")
        batch_op.drop_index("ix_anomaly_events_command")

    op.drop_table("anomaly_events")
