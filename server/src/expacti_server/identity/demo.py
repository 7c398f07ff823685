"""The eval stack's demo organisation and well-known tokens."""

from __future__ import annotations

from sqlalchemy import select

from expacti_server.db.engine import Database
from expacti_server.identity.models import Credential
from expacti_server.identity.roles import ReviewerRole
from expacti_server.identity.secrets import CredentialKind, hash_secret
from expacti_server.identity.service import issue_credential

DEMO_ORG = "demo"
DEMO_AGENT_TOKEN = "demo-shell-token"  # noqa: S105 - published on purpose, eval only
DEMO_REVIEWER_TOKEN = "demo-reviewer-token"  # noqa: S105 - published on purpose, eval only
DEMO_CREDENTIALS = (
    (CredentialKind.AGENT_TOKEN, "demo-agent", DEMO_AGENT_TOKEN),
    (CredentialKind.REVIEWER_TOKEN, "demo-reviewer", DEMO_REVIEWER_TOKEN),
)


async def seed_demo(database: Database) -> None:
    """Create the demo org and tokens once; later starts leave them as they are."""
    async with database.write() as conn:
        for kind, name, secret in DEMO_CREDENTIALS:
            exists = await conn.scalar(
                select(Credential.id).where(Credential.secret_hash == hash_secret(secret))
            )
            if exists is None:
                await issue_credential(
                    conn,
                    org_name=DEMO_ORG,
                    kind=kind,
                    principal_name=name,
                    credential_name="demo",
                    secret=secret,
                    # The evaluator is the whole organisation: one reviewer who may do all.
                    reviewer_role=None
                    if kind is CredentialKind.AGENT_TOKEN
                    else ReviewerRole.ADMIN,
                )


async def live_demo_credentials(database: Database) -> list[str]:
    """Ids of demo credentials that are not revoked (a server outside eval mode refuses them)."""
    hashes = [hash_secret(secret) for _, _, secret in DEMO_CREDENTIALS]
    async with database.read() as conn:
        rows = await conn.execute(
            select(Credential.id).where(
                Credential.secret_hash.in_(hashes), Credential.revoked_at.is_(None)
            )
        )
        return [row.id for row in rows]
