"""Small factories: a fresh organisation with its own agent and reviewer per test."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from expacti_server.db.engine import Database
from expacti_server.identity.roles import ReviewerRole
from expacti_server.identity.secrets import CredentialKind
from expacti_server.identity.service import issue_credential


@dataclass(frozen=True)
class OrgTokens:
    """One organisation's secrets, isolating a test from every other."""

    name: str
    agent_token: str
    reviewer_token: str
    api_key: str

    def reviewer_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.reviewer_token}"}

    def agent_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.agent_token}"}


async def make_org(database: Database, *, agents: int = 1) -> OrgTokens:
    """Create an org with an agent token, a reviewer token and a reviewer API key."""
    name = f"org-{secrets.token_hex(4)}"
    async with database.write() as conn:
        agent = await issue_credential(
            conn, org_name=name, kind=CredentialKind.AGENT_TOKEN, principal_name="agent-1"
        )
        # Alice is the org's first reviewer and its admin, as an org's founder would be.
        reviewer = await issue_credential(
            conn,
            org_name=name,
            kind=CredentialKind.REVIEWER_TOKEN,
            principal_name="alice",
            reviewer_role=ReviewerRole.ADMIN,
        )
        api_key = await issue_credential(
            conn, org_name=name, kind=CredentialKind.API_KEY, principal_name="alice"
        )
    return OrgTokens(name, agent.secret, reviewer.secret, api_key.secret)


async def make_agent_token(database: Database, org: OrgTokens, name: str) -> str:
    """Another agent in the same org."""
    async with database.write() as conn:
        issued = await issue_credential(
            conn, org_name=org.name, kind=CredentialKind.AGENT_TOKEN, principal_name=name
        )
    return issued.secret


async def make_reviewer_token(
    database: Database, org: OrgTokens, name: str, role: ReviewerRole = ReviewerRole.REVIEWER
) -> str:
    """Another reviewer in the same org, with ``role``."""
    async with database.write() as conn:
        issued = await issue_credential(
            conn,
            org_name=org.name,
            kind=CredentialKind.REVIEWER_TOKEN,
            principal_name=name,
            reviewer_role=role,
        )
    return issued.secret
