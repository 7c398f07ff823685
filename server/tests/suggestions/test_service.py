"""The suggestion service in process on SQLite: storing, accepting, dismissing, withdrawing.

The end-to-end suite runs the same flows over HTTP on both databases; here the
background recompute can be held back, so the order of events is exact.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from expacti_server.audit.models import AuditEvent
from expacti_server.commands.models import Command
from expacti_server.commands.submission import Submission
from expacti_server.errors import NotFound, RuleMatchesDenied, SuggestionNotOpen
from expacti_server.identity.principal import Principal
from expacti_server.identity.secrets import CredentialKind
from expacti_server.identity.service import issue_credential
from expacti_server.policy.patterns import RuleType
from expacti_server.services import Services
from expacti_server.suggestions.models import RuleSuggestion
from expacti_server.suggestions.schemas import SuggestionFilter
from expacti_server.whitelist.schemas import WhitelistRuleCreate
from tests.commands.conftest import principals, running_core

BUILDS = r"rm /tmp/build-[0-9]+\.log"


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Services]:
    async with running_core(tmp_path) as services:
        yield services
        await services.suggestions.aclose()


class Org:
    """An agent and a reviewer of one org, and shortcuts for their commands."""

    def __init__(self, services: Services, agent: Principal, reviewer: Principal) -> None:
        self.services = services
        self.agent = agent
        self.reviewer = reviewer
        self._count = 0

    async def submit(self, command: str, target: str | None = "ci") -> str:
        self._count += 1
        outcome = await self.services.commands.submit(
            self.agent,
            Submission(request_id=f"r-{self._count}", command=command, target=target),
            origin="http",
        )
        return outcome.record.id

    async def decide(self, command: str, *, approve: bool = True, target: str | None = "ci") -> str:
        command_id = await self.submit(command, target)
        await self.services.commands.decide(self.reviewer, command_id, approve=approve)
        return command_id

    async def open_suggestions(self) -> list[RuleSuggestion]:
        return await self.services.suggestions.list(self.reviewer)


@pytest.fixture
async def org(core: Services) -> Org:
    agent, reviewer = await principals(core)
    return Org(core, agent, reviewer)


async def test_decisions_produce_a_suggestion_in_the_background(org: Org) -> None:
    for n in (11, 12, 13):
        await org.decide(f"rm /tmp/build-{n}.log")
    await org.services.suggestions.settle()
    (found,) = await org.open_suggestions()
    assert (found.pattern, found.type, found.scope, found.status) == (
        BUILDS,
        "regex",
        "target:ci",
        "open",
    )
    assert found.evidence["approved"] == 3
    assert found.evidence["would_auto_approve"] == 3
    assert found.evidence["reviewers"] == ["ann"]
    # Recomputing again changes nothing but the evidence's freshness.
    again = await org.services.suggestions.refresh(org.reviewer)
    assert [s.id for s in again] == [found.id]


async def test_accepting_creates_the_rule_with_its_ttl_and_it_approves_at_once(org: Org) -> None:
    for n in (11, 12, 13):
        await org.decide(f"rm /tmp/build-{n}.log")
    (found,) = await org.services.suggestions.refresh(org.reviewer)
    accepted = await org.services.suggestions.accept(org.reviewer, found.id, ttl_seconds=3600)
    assert (accepted.status, accepted.decided_by_name) == ("accepted", "ann")
    assert accepted.rule_id is not None
    rule = await org.services.whitelist.get(org.reviewer, accepted.rule_id)
    assert (rule.pattern, rule.type, rule.scope) == (BUILDS, RuleType.REGEX, "target:ci")
    assert rule.expires_at is not None
    assert 3500 < (rule.expires_at - rule.created_at).total_seconds() <= 3600

    outcome = await org.services.commands.submit(
        org.agent,
        Submission(request_id="new", command="rm /tmp/build-14.log", target="ci"),
        origin="http",
    )
    assert (outcome.record.status, outcome.record.whitelisted) == ("approved", True)
    assert outcome.record.rule_id == accepted.rule_id
    with pytest.raises(SuggestionNotOpen):
        await org.services.suggestions.accept(org.reviewer, found.id, ttl_seconds=None)
    async with org.services.database.read() as conn:
        actions = (await conn.execute(select(AuditEvent.action))).scalars().all()
    assert {"whitelist.created", "suggestion.accepted"} <= set(actions)


async def test_a_dismissal_is_remembered(org: Org) -> None:
    for n in (11, 12, 13):
        await org.decide(f"rm /tmp/build-{n}.log")
    (found,) = await org.services.suggestions.refresh(org.reviewer)
    dismissed = await org.services.suggestions.dismiss(org.reviewer, found.id)
    assert dismissed.status == "dismissed"
    for n in (14, 15):
        await org.decide(f"rm /tmp/build-{n}.log")
    await org.services.suggestions.settle()
    assert await org.services.suggestions.refresh(org.reviewer) == []
    every = await org.services.suggestions.list(org.reviewer, status=SuggestionFilter.ALL)
    assert [(s.id, s.status) for s in every] == [(found.id, "dismissed")]
    with pytest.raises(SuggestionNotOpen):
        await org.services.suggestions.dismiss(org.reviewer, found.id)


async def test_accepting_after_a_matching_denial_is_refused_and_withdraws_it(org: Org) -> None:
    for n in (11, 12, 13):
        await org.decide(f"rm /tmp/build-{n}.log")
    (found,) = await org.services.suggestions.refresh(org.reviewer)
    org.services.suggestions.debounce_seconds = 3600  # hold the background recompute back
    await org.decide("rm /tmp/build-99.log", approve=False)
    with pytest.raises(RuleMatchesDenied) as refused:
        await org.services.suggestions.accept(org.reviewer, found.id, ttl_seconds=None)
    assert refused.value.details["denied_matched"] == 1
    assert await org.services.whitelist.list(org.reviewer) == []

    await org.services.suggestions.refresh(org.reviewer)
    (withdrawn,) = await org.services.suggestions.list(
        org.reviewer, status=SuggestionFilter.WITHDRAWN
    )
    assert withdrawn.id == found.id
    assert withdrawn.evidence["matched_denied"] == 1
    with pytest.raises(SuggestionNotOpen):
        await org.services.suggestions.accept(org.reviewer, found.id, ttl_seconds=None)


async def test_a_high_risk_command_withdraws_an_open_suggestion(org: Org) -> None:
    for n in (11, 12, 13):
        await org.decide(f"ls /srv/ci/build-{n}")
    (found,) = await org.services.suggestions.refresh(org.reviewer)
    command_id = await org.submit("ls /srv/ci/build-14")
    async with org.services.database.write() as conn:  # as if the risk rules had said so
        await conn.execute(update(Command).where(Command.id == command_id).values(risk_score=90))
    await org.services.commands.decide(org.reviewer, command_id, approve=True)
    await org.services.suggestions.settle()
    (withdrawn,) = await org.services.suggestions.list(
        org.reviewer, status=SuggestionFilter.WITHDRAWN
    )
    assert (withdrawn.id, withdrawn.evidence["matched_high_risk"]) == (found.id, 1)


async def test_accepting_an_upgrade_expires_the_exact_rule_in_the_same_step(org: Org) -> None:
    exact = await org.services.whitelist.create(
        org.reviewer,
        WhitelistRuleCreate(pattern="make -C /srv/app/build-1 test", scope="target:staging"),
    )
    for n in (2, 3):
        await org.decide(f"make -C /srv/app/build-{n} test", target="staging")
    (found,) = await org.services.suggestions.refresh(org.reviewer)
    assert (found.pattern, found.upgrade_of_rule_id) == (
        "make -C /srv/app/build-[0-9]+ test",
        exact.id,
    )
    accepted = await org.services.suggestions.accept(org.reviewer, found.id, ttl_seconds=None)
    old = await org.services.whitelist.get(org.reviewer, exact.id)
    assert old.expired
    outcome = await org.services.commands.submit(
        org.agent,
        Submission(request_id="again", command="make -C /srv/app/build-1 test", target="staging"),
        origin="http",
    )
    assert outcome.record.rule_id == accepted.rule_id
    async with org.services.database.read() as conn:
        expired = (
            (
                await conn.execute(
                    select(AuditEvent.rule_id).where(AuditEvent.action == "whitelist.expired")
                )
            )
            .scalars()
            .all()
        )
    assert expired == [exact.id]


async def test_encrypted_commands_are_never_learnt_from(org: Org) -> None:
    ids = [await org.decide(f"rm /tmp/build-{n}.log") for n in (11, 12, 13)]
    async with org.services.database.write() as conn:
        await conn.execute(
            update(Command).where(Command.id.in_(ids[:2])).values(encrypted={"v": 1})
        )
    assert await org.services.suggestions.refresh(org.reviewer) == []


async def test_another_orgs_suggestions_are_not_found(org: Org, core: Services) -> None:
    for n in (11, 12, 13):
        await org.decide(f"rm /tmp/build-{n}.log")
    (found,) = await org.services.suggestions.refresh(org.reviewer)
    async with core.database.write() as conn:
        other = await issue_credential(
            conn, org_name="other", kind=CredentialKind.REVIEWER_TOKEN, principal_name="oz"
        )
    stranger = await core.authenticator.authenticate(other.secret, via="test", remote=None)
    assert await core.suggestions.list(stranger, status=SuggestionFilter.ALL) == []
    with pytest.raises(NotFound):
        await core.suggestions.accept(stranger, found.id, ttl_seconds=None)
