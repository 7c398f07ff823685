"""A report built from known figures, without a database: for mapping and rendering tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from expacti_server.audit.views import ChainBreakView
from expacti_server.reports import stats
from expacti_server.reports.controls import FRAMEWORK_NAMES, map_controls
from expacti_server.reports.schemas import (
    ComplianceReport,
    Framework,
    FrameworkView,
    OrgRef,
    RangeView,
    Sections,
)
from expacti_server.reports.sections.models import (
    AccessSection,
    AgentEntry,
    AnomaliesSection,
    AnomalyRule,
    AuditChainSection,
    AuthenticationSection,
    ChangeEvent,
    ChangesSection,
    CredentialCounts,
    DayCounts,
    DecisionCounts,
    DecisionsSection,
    HistogramBucket,
    LatencyStats,
    Listing,
    MultiPartyCommand,
    MultiPartySection,
    Outcomes,
    PolicyEntry,
    ReviewerDecisions,
    ReviewerEntry,
    RiskBandCounts,
    RoleCounts,
    RoutingView,
    WhitelistSection,
)
from expacti_server.reports.service import summarise

START = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)


def sections(*, active: bool = True, days: int = 21, **changes: Any) -> Sections:
    """Sections of an org with a known history (``active``) or none; ``changes`` replaces
    whole sections (``audit_chain=…``)."""
    n = 1 if active else 0
    policy = PolicyEntry(
        id="pol_1",
        name="two <person> & deploys",
        priority=100,
        min_role="reviewer",
        required=2,
        mode="AllOf",
        target_scope=None,
        min_risk=None,
        command_pattern="terraform apply*",
    )
    event = ChangeEvent(
        at=START + timedelta(hours=3),
        action="whitelist.created",
        actor="=alice",
        actor_type="reviewer",
        rule_id="rule_1",
        command_id=None,
        detail="exact 'uptime' (global)",
    )
    per_day = [
        DayCounts(day=START.date() + timedelta(days=i), approved_by_reviewer=i % 3 * n)
        for i in range(days)
    ]
    built = Sections(
        access=AccessSection(
            as_of=NOW,
            reviewers_by_role=RoleCounts(admin=1, senior=1, reviewer=2, auditor=1),
            deciding_reviewers=4,
            admins=["alice"],
            auditors=["audrey"],
            reviewers=Listing[ReviewerEntry](
                total=1,
                items=[
                    ReviewerEntry(
                        id="rev_1", name="alice", role="admin", decides=True, active_credentials=2
                    )
                ],
            ),
            agents=Listing[AgentEntry](
                total=1, items=[AgentEntry(id="agt_1", name="agent-1", owner="dave")]
            ),
            agents_with_owner=1,
            credentials=CredentialCounts(
                reviewer_tokens=5,
                api_keys=1,
                agent_tokens=1,
                issued_in_range=7 * n,
                revoked_in_range=0,
            ),
            notes=["roles as they are now"],
        ),
        authentication=AuthenticationSection(
            mfa_enforced=False,
            mfa="not enforced: expacti has no MFA for reviewers yet",
            methods=["reviewer token"],
            secret_storage="SHA-256 digests",
            session_ttl_seconds=43200,
            sign_ins=2 * n,
            notes=[],
        ),
        decisions=DecisionsSection(
            counts=DecisionCounts(
                submitted=8 * n,
                approved_by_reviewer=2 * n,
                whitelisted=n,
                denied=2 * n,
                timed_out=n,
                cancelled=n,
                pending=n,
            ),
            human_decisions=4 * n,
            latency=LatencyStats(
                decisions=4 * n,
                median_ms=1200.0 if active else None,
                p95_ms=45000.5 if active else None,
                max_ms=45000.5 if active else None,
                method="nearest rank",
            ),
            latency_histogram=[
                HistogramBucket(
                    label=b.label, lower_ms=b.lower_ms, upper_ms=b.upper_ms, count=n * (i % 2)
                )
                for i, b in enumerate(stats.LATENCY_BUCKETS)
            ],
            per_day=per_day,
            risk_mix=[
                RiskBandCounts(
                    band=b.name,
                    min_score=b.min_score,
                    max_score=b.max_score,
                    commands=2 * n,
                    denied=n,
                    whitelisted=n,
                )
                for b in stats.RISK_BANDS
            ],
            edited=0,
            escalated=0,
            by_reviewer=Listing[ReviewerDecisions](
                total=n,
                items=[ReviewerDecisions(reviewer="carol", approved=1, denied=1)][:n],
            ),
        ),
        whitelist=WhitelistSection(
            by_action=stats.fill({"whitelist.created": n}, ["whitelist.created"]),
            total_changes=n,
            by_actor=[],
            events=Listing[ChangeEvent](total=n, items=[event][:n]),
            rules_active=1,
            auto_approvals=n,
            notes=[],
        ),
        anomalies=AnomaliesSection(
            events=3 * n,
            commands=2 * n,
            rule_failures=0,
            high_risk_commands=2 * n,
            handling=Outcomes(denied=2 * n),
            by_rule=[
                AnomalyRule(rule_id="remote_code", events=n, commands=n, max_score=80, failed=0)
            ][:n],
        ),
        multi_party=MultiPartySection(
            policies=[policy],
            commands=n,
            outcomes=Outcomes(approved_by_reviewer=n),
            approvals=2 * n,
            items=Listing[MultiPartyCommand](
                total=n,
                items=[
                    MultiPartyCommand(
                        command_id="cmd_1",
                        agent="agent-1",
                        submitted_at=START,
                        outcome="approved_by_reviewer",
                        required=2,
                        mode="AllOf",
                        policy_id="pol_1",
                        approvers=["bob", "carol"],
                        deniers=[],
                    )
                ][:n],
            ),
        ),
        changes=ChangesSection(
            by_action=stats.fill({"reviewer.role_changed": n}, _ACCESS_ACTIONS),
            total=n,
            events=Listing[ChangeEvent](total=0, items=[]),
            policies=[policy],
            routing=RoutingView(
                senior_risk_threshold=70,
                high_risk_routing=True,
                timeout_seconds=60,
                timeout_action="deny",
            ),
        ),
        audit_chain=AuditChainSection(
            ok=True,
            records=120,
            head_seq=120,
            head_hash="ab" * 32,
            first_break=None,
            verified_at=NOW,
            events_in_range=40 * n,
            scope="the whole chain",
        ),
    )
    return built.model_copy(update=changes)


_ACCESS_ACTIONS = [
    "approval_policy.created",
    "approval_policy.updated",
    "approval_policy.deleted",
    "reviewer.role_changed",
    "agent.owner_changed",
    "org.policy_changed",
]

BROKEN_CHAIN = AuditChainSection(
    ok=False,
    records=57,
    head_seq=120,
    head_hash="cd" * 32,
    first_break=ChainBreakView(seq=58, record_id=58, kind="edited", message="record 58 changed"),
    verified_at=NOW,
    events_in_range=40,
    scope="the whole chain",
)


def report(framework: Framework = "soc2", *, org: str = "acme", **kwargs: Any) -> ComplianceReport:
    """A whole report over 2026-11-01 .. 2026-11-21 from ``sections(**kwargs)``."""
    built = sections(**kwargs)
    controls = map_controls(framework, built)
    days = len(built.decisions.per_day)
    return ComplianceReport(
        framework=FrameworkView(id=framework, name=FRAMEWORK_NAMES[framework]),
        org=OrgRef(id="org_1", name=org),
        range=RangeView(
            start=START,
            end=START + timedelta(days=days),
            first_day=START.date(),
            last_day=START.date() + timedelta(days=days - 1),
            days=days,
        ),
        generated_at=NOW,
        generated_by="audrey",
        summary=summarise(built, controls),
        controls=controls,
        sections=built,
    )


def first_day() -> date:
    return START.date()
