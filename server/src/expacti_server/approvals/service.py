"""Approval policies (stored, checked, cached) and what the submit and vote paths read from
them: the org's policies, agents' owners, and who may approve a command.

A policy that can never be satisfied (more approvers required than reviewers
whose role may decide) is refused when saved; ``members`` refuses role changes
that would make one so.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.approvals.models import ApprovalPolicy
from expacti_server.approvals.requirement import CompiledPolicy, Mode, Requirement
from expacti_server.approvals.schemas import (
    ApprovalPolicyBody,
    ApprovalPolicyList,
    ApprovalPolicyView,
)
from expacti_server.audit import service as audit
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.errors import NotFound, PolicyUnsatisfiable
from expacti_server.identity.models import Agent, Reviewer
from expacti_server.identity.orgs import OrgService
from expacti_server.identity.principal import Principal
from expacti_server.identity.roles import ReviewerRole
from expacti_server.ids import new_id
from expacti_server.policy.patterns import compile_pattern
from expacti_server.policy.whitelist_index import Scope, ScopeKind


def compile_policy(row: ApprovalPolicy) -> CompiledPolicy:
    """A stored policy, ready to match; raises typed errors for a bad pattern or scope."""
    scope = Scope.parse(row.target_scope) if row.target_scope else None
    if scope is not None and scope.kind is ScopeKind.GLOBAL:
        scope = None
    pattern = (
        compile_pattern(row.command_pattern, row.command_pattern_type or "glob")
        if row.command_pattern
        else None
    )
    return CompiledPolicy(
        id=row.id,
        name=row.name,
        priority=row.priority,
        scope=scope,
        min_risk=row.min_risk,
        pattern=pattern,
        min_role=ReviewerRole(row.min_role),
        required=row.require_n_approvers,
        mode=Mode(row.mode),
    )


class ApprovalService:
    """Who may decide what, per organisation."""

    def __init__(self, database: Database, orgs: OrgService) -> None:
        self._db = database
        self._orgs = orgs
        self._policies: dict[str, tuple[CompiledPolicy, ...]] = {}
        self._owners: dict[str, dict[str, str | None]] = {}

    # ------------------------------------------------------------ hot path

    async def policies_for(self, org_id: str) -> tuple[CompiledPolicy, ...]:
        """The org's policies in the order they are tried, from memory after the first read."""
        cached = self._policies.get(org_id)
        if cached is None:
            async with self._db.read() as conn:
                rows = await policy_rows(conn, org_id)
            cached = self._policies[org_id] = tuple(compile_policy(row) for row in rows)
        return cached

    async def owner_of(self, org_id: str, agent_id: str) -> str | None:
        """The reviewer linked to ``agent_id`` (separation of duties), if any."""
        owners = self._owners.get(org_id)
        if owners is None:
            async with self._db.read() as conn:
                rows = await conn.execute(
                    select(Agent.id, Agent.owner_reviewer_id).where(Agent.org_id == org_id)
                )
                owners = self._owners[org_id] = {row.id: row.owner_reviewer_id for row in rows}
        if agent_id not in owners:
            self._owners.pop(org_id, None)  # an agent created since: read again next time
            async with self._db.read() as conn:
                return await conn.scalar(
                    select(Agent.owner_reviewer_id).where(Agent.id == agent_id)
                )
        return owners[agent_id]

    async def owner_in(self, conn: AsyncConnection, agent_id: str) -> str | None:
        """The agent's owner, read in the caller's transaction (for decisions)."""
        return await conn.scalar(select(Agent.owner_reviewer_id).where(Agent.id == agent_id))

    def cached_owner(self, org_id: str, agent_id: str) -> str | None:
        """The owner if already known, without I/O (for filtering frames)."""
        return self._owners.get(org_id, {}).get(agent_id)

    async def approvers(
        self, conn: AsyncConnection, *, org_id: str, agent_id: str, requirement: Requirement
    ) -> frozenset[str]:
        """Ids of every reviewer who may approve a command of ``agent_id`` under ``requirement``."""
        rows = await conn.execute(
            select(Reviewer.id, Reviewer.role).where(Reviewer.org_id == org_id)
        )
        owner = await conn.scalar(select(Agent.owner_reviewer_id).where(Agent.id == agent_id))
        return frozenset(
            row.id for row in rows if requirement.admits(ReviewerRole(row.role)) and row.id != owner
        )

    # ------------------------------------------------------------ policies

    async def list_policies(self, principal: Principal) -> ApprovalPolicyList:
        """The org's policies, in the order they are tried."""
        async with self._db.read() as conn:
            rows = await policy_rows(conn, principal.org_id)
            roles = await role_counts(conn, principal.org_id)
        org = await self._orgs.policy_for(principal.org_id)
        return ApprovalPolicyList(
            items=[_policy_view(row, roles) for row in rows],
            senior_risk_threshold=org.senior_risk_threshold,
        )

    async def create_policy(
        self, principal: Principal, body: ApprovalPolicyBody
    ) -> ApprovalPolicyView:
        """Store a new policy after checking it compiles and can be satisfied."""
        now = utcnow()
        row = ApprovalPolicy(
            id=new_id("pol"),
            org_id=principal.org_id,
            created_at=now,
            updated_at=now,
            created_by_name=principal.name,
            **_columns(body),
        )
        compile_policy(row)
        async with self._db.write() as conn:
            roles = await role_counts(conn, principal.org_id)
            check_satisfiable(row, roles)
            await conn.execute(
                insert(ApprovalPolicy),
                {
                    **_columns(body),
                    "id": row.id,
                    "org_id": row.org_id,
                    "created_at": now,
                    "updated_at": now,
                    "created_by_name": principal.name,
                },
            )
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="approval_policy.created",
                data={"policy_id": row.id, **body.model_dump(mode="json")},
            )
        self._policies.pop(principal.org_id, None)
        return _policy_view(row, roles)

    async def update_policy(
        self, principal: Principal, policy_id: str, body: ApprovalPolicyBody
    ) -> ApprovalPolicyView:
        """Replace a policy's fields; waiting commands keep the requirement they were given."""
        async with self._db.write() as conn:
            row = await _policy(conn, principal.org_id, policy_id)
            before = _body_of(row).model_dump(mode="json")
            for name, value in _columns(body).items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            compile_policy(row)
            roles = await role_counts(conn, principal.org_id)
            check_satisfiable(row, roles)
            await conn.execute(
                update(ApprovalPolicy)
                .where(ApprovalPolicy.id == policy_id)
                .values(**_columns(body), updated_at=row.updated_at)
            )
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="approval_policy.updated",
                data={
                    "policy_id": policy_id,
                    "before": before,
                    "after": body.model_dump(mode="json"),
                },
            )
        self._policies.pop(principal.org_id, None)
        return _policy_view(row, roles)

    async def delete_policy(self, principal: Principal, policy_id: str) -> None:
        """Remove a policy; the default routing takes over where it applied."""
        async with self._db.write() as conn:
            row = await _policy(conn, principal.org_id, policy_id)
            await conn.execute(delete(ApprovalPolicy).where(ApprovalPolicy.id == policy_id))
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="approval_policy.deleted",
                data={"policy_id": policy_id, **_body_of(row).model_dump(mode="json")},
            )
        self._policies.pop(principal.org_id, None)

    def forget_owners(self, org_id: str) -> None:
        """An agent's owner changed: read the org's owners again on next use."""
        self._owners.pop(org_id, None)


async def policy_rows(conn: AsyncConnection, org_id: str) -> Sequence[ApprovalPolicy]:
    result = await conn.execute(
        select(ApprovalPolicy)
        .where(ApprovalPolicy.org_id == org_id)
        .order_by(ApprovalPolicy.priority, ApprovalPolicy.created_at, ApprovalPolicy.id)
    )
    return [ApprovalPolicy(**row._mapping) for row in result]


async def _policy(conn: AsyncConnection, org_id: str, policy_id: str) -> ApprovalPolicy:
    row = (
        await conn.execute(
            select(ApprovalPolicy).where(
                ApprovalPolicy.id == policy_id, ApprovalPolicy.org_id == org_id
            )
        )
    ).first()
    if row is None:
        raise NotFound("no such approval policy", policy_id=policy_id)
    return ApprovalPolicy(**row._mapping)


async def role_counts(conn: AsyncConnection, org_id: str) -> dict[ReviewerRole, int]:
    rows = await conn.execute(
        select(Reviewer.role, func.count()).where(Reviewer.org_id == org_id).group_by(Reviewer.role)
    )
    return {ReviewerRole(role): count for role, count in rows}


def _eligible(min_role: str, roles: dict[ReviewerRole, int]) -> int:
    floor = ReviewerRole(min_role)
    return sum(count for role, count in roles.items() if role.at_least(floor))


def check_satisfiable(row: ApprovalPolicy, roles: dict[ReviewerRole, int]) -> None:
    eligible = _eligible(row.min_role, roles)
    if row.require_n_approvers > eligible:
        raise PolicyUnsatisfiable(
            f"policy {row.name!r} needs {row.require_n_approvers} approvers of role "
            f"{row.min_role} or above, but the organisation has {eligible}",
            policy=row.name,
            required=row.require_n_approvers,
            eligible=eligible,
        )


def _columns(body: ApprovalPolicyBody) -> dict[str, object]:
    pattern_type = body.command_pattern_type or ("glob" if body.command_pattern else None)
    return {
        "name": body.name.strip(),
        "priority": body.priority,
        "target_scope": body.target_scope or None,
        "min_risk": body.min_risk,
        "command_pattern": body.command_pattern or None,
        "command_pattern_type": pattern_type if body.command_pattern else None,
        "min_role": body.min_role,
        "require_n_approvers": body.require_n_approvers,
        "mode": body.policy.value,
    }


def _body_of(row: ApprovalPolicy) -> ApprovalPolicyBody:
    return ApprovalPolicyBody(
        name=row.name,
        priority=row.priority,
        target_scope=row.target_scope,
        min_risk=row.min_risk,
        command_pattern=row.command_pattern,
        command_pattern_type=row.command_pattern_type,
        min_role=row.min_role,
        require_n_approvers=row.require_n_approvers,
        policy=Mode(row.mode),
    )


def _policy_view(row: ApprovalPolicy, roles: dict[ReviewerRole, int]) -> ApprovalPolicyView:
    return ApprovalPolicyView(
        **_body_of(row).model_dump(),
        id=row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by_name,
        eligible_reviewers=_eligible(row.min_role, roles),
    )
