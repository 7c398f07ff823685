"""The organisation's people as approvals see them: reviewers' roles and agents' owners.

A role change is refused if it would leave no admin or an approval policy that
can no longer be satisfied; an owner change is what separation of duties reads.
"""

from __future__ import annotations

from sqlalchemy import select, update

from expacti_server.approvals.schemas import (
    AgentList,
    AgentUpdate,
    AgentView,
    ReviewerList,
    ReviewerUpdate,
    ReviewerView,
)
from expacti_server.approvals.service import (
    ApprovalService,
    check_satisfiable,
    policy_rows,
    role_counts,
)
from expacti_server.audit import service as audit
from expacti_server.db.engine import Database
from expacti_server.errors import InvalidRequest, NotFound
from expacti_server.identity.models import Agent, Reviewer
from expacti_server.identity.principal import Principal
from expacti_server.identity.roles import ReviewerRole
from expacti_server.realtime.reviewer_feed import ReviewerFeed


class MemberService:
    """Lists reviewers and agents; changes roles and owners (admins only, checked by routes)."""

    def __init__(self, database: Database, feed: ReviewerFeed, approvals: ApprovalService) -> None:
        self._db = database
        self._feed = feed
        self._approvals = approvals

    async def list_reviewers(self, principal: Principal) -> ReviewerList:
        """The org's reviewers, their roles, whether they are online, and the agents they own."""
        online = {viewer.reviewer_id for viewer in self._feed.viewers(principal.org_id)}
        async with self._db.read() as conn:
            reviewers = (
                await conn.execute(
                    select(Reviewer.id, Reviewer.name, Reviewer.role)
                    .where(Reviewer.org_id == principal.org_id)
                    .order_by(Reviewer.name)
                )
            ).all()
            owned = (
                await conn.execute(
                    select(Agent.owner_reviewer_id, Agent.name).where(
                        Agent.org_id == principal.org_id, Agent.owner_reviewer_id.is_not(None)
                    )
                )
            ).all()
        return ReviewerList(
            items=[
                ReviewerView(
                    id=r.id,
                    name=r.name,
                    role=ReviewerRole(r.role),
                    online=r.id in online,
                    owns_agents=sorted(a.name for a in owned if a.owner_reviewer_id == r.id),
                )
                for r in reviewers
            ]
        )

    async def set_role(
        self, principal: Principal, reviewer_id: str, change: ReviewerUpdate
    ) -> ReviewerView:
        """Change a reviewer's role, unless that leaves no admin or an unsatisfiable policy."""
        async with self._db.write() as conn:
            row = (
                await conn.execute(
                    select(Reviewer.id, Reviewer.name, Reviewer.role).where(
                        Reviewer.id == reviewer_id, Reviewer.org_id == principal.org_id
                    )
                )
            ).first()
            if row is None:
                raise NotFound("no such reviewer", reviewer_id=reviewer_id)
            roles = await role_counts(conn, principal.org_id)
            roles[ReviewerRole(row.role)] -= 1
            roles[change.role] = roles.get(change.role, 0) + 1
            if not roles.get(ReviewerRole.ADMIN):
                raise InvalidRequest("an organisation keeps at least one admin")
            for policy in await policy_rows(conn, principal.org_id):
                check_satisfiable(policy, roles)
            await conn.execute(
                update(Reviewer).where(Reviewer.id == reviewer_id).values(role=change.role.value)
            )
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="reviewer.role_changed",
                data={
                    "reviewer_id": reviewer_id,
                    "reviewer": row.name,
                    "before": row.role,
                    "after": change.role.value,
                },
            )
        online = {viewer.reviewer_id for viewer in self._feed.viewers(principal.org_id)}
        return ReviewerView(
            id=row.id, name=row.name, role=change.role, online=row.id in online, owns_agents=[]
        )

    async def list_agents(self, principal: Principal) -> AgentList:
        """The org's agents and the reviewers they are linked to."""
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(
                        Agent.id, Agent.name, Agent.owner_reviewer_id, Reviewer.name.label("owner")
                    )
                    .outerjoin(Reviewer, Reviewer.id == Agent.owner_reviewer_id)
                    .where(Agent.org_id == principal.org_id)
                    .order_by(Agent.name)
                )
            ).all()
        return AgentList(
            items=[
                AgentView(
                    id=r.id, name=r.name, owner_reviewer_id=r.owner_reviewer_id, owner=r.owner
                )
                for r in rows
            ]
        )

    async def set_owner(
        self, principal: Principal, agent_id: str, change: AgentUpdate
    ) -> AgentView:
        """Link an agent to a reviewer of the same org (who then may not approve its commands)."""
        async with self._db.write() as conn:
            agent = (
                await conn.execute(
                    select(Agent.id, Agent.name, Agent.owner_reviewer_id).where(
                        Agent.id == agent_id, Agent.org_id == principal.org_id
                    )
                )
            ).first()
            if agent is None:
                raise NotFound("no such agent", agent_id=agent_id)
            owner_name = None
            if change.owner_reviewer_id is not None:
                owner_name = await conn.scalar(
                    select(Reviewer.name).where(
                        Reviewer.id == change.owner_reviewer_id,
                        Reviewer.org_id == principal.org_id,
                    )
                )
                if owner_name is None:
                    raise NotFound("no such reviewer", reviewer_id=change.owner_reviewer_id)
            await conn.execute(
                update(Agent)
                .where(Agent.id == agent_id)
                .values(owner_reviewer_id=change.owner_reviewer_id)
            )
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="agent.owner_changed",
                data={
                    "agent_id": agent_id,
                    "agent": agent.name,
                    "before": agent.owner_reviewer_id,
                    "after": change.owner_reviewer_id,
                },
            )
        self._approvals.forget_owners(principal.org_id)
        return AgentView(
            id=agent.id,
            name=agent.name,
            owner_reviewer_id=change.owner_reviewer_id,
            owner=owner_name,
        )
