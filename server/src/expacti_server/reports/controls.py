"""The controls of each framework, and which evidence items each one cites.

SOC 2 criteria carry no official short titles; the titles here abbreviate
the criterion text (AICPA TSC 2017, revised points of focus 2022). The
ISO/IEC 27001:2022 Annex A titles are the standard's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from expacti_server.reports.evidence import (
    EvidenceItem,
    EvidenceKind,
    ItemStatus,
    control_status,
)
from expacti_server.reports.items import evidence_items
from expacti_server.reports.schemas import ControlView, Framework, Sections


@dataclass(frozen=True, slots=True)
class ControlSpec:
    """A control, what expacti evidences for it, and the items it cites."""

    id: str
    title: str
    evidences: str
    sections: tuple[str, ...]
    items: tuple[str, ...]
    required: tuple[str, ...] = ()


FRAMEWORK_NAMES: Final[dict[str, str]] = {
    "soc2": "SOC 2 - AICPA Trust Services Criteria (2017, revised points of focus 2022)",
    "iso27001": "ISO/IEC 27001:2022 Annex A",
}

_DECISION_ITEMS: Final = (
    "decisions.submitted",
    "decisions.human",
    "decisions.approved_by_reviewer",
    "decisions.whitelisted",
    "decisions.denied",
    "decisions.timed_out",
    "decisions.cancelled",
    "decisions.pending",
    "decisions.latency_median",
    "decisions.latency_p95",
    "decisions.latency_max",
    "decisions.edited",
    "multi_party.commands",
    "whitelist.changes",
    "whitelist.changed_by",
    "whitelist.rules_active",
    "audit.chain",
)
_CHANGE_SECTIONS: Final = ("decisions", "whitelist", "multi_party", "audit_chain")
_CHANGE_EVIDENCE: Final = (
    "Every command an agent runs through expacti is a change authorised before it runs: "
    "approved by a reviewer (or by more than one where a policy says so), or by a whitelist "
    "rule someone created and the audit log names; denied, timed-out and cancelled commands "
    "never run. Review latency shows the approvals were made, not rubber-stamped in bulk."
)
_ACCESS_EVIDENCE: Final = (
    "Only reviewers whose role decides may approve or deny; agents hold credentials that "
    "submit but can never decide; auditors only read. Every decision names its reviewer."
)
_MONITORING_ITEMS: Final = (
    "decisions.submitted",
    "anomalies.events",
    "anomalies.commands",
    "risk.high",
    "anomalies.human_reviewed",
    "anomalies.stopped",
    "anomalies.whitelisted",
    "anomalies.rule_failures",
    "decisions.timed_out",
)

SOC2: Final = (
    ControlSpec(
        "CC6.1",
        "Logical access security",
        _ACCESS_EVIDENCE + " Credentials are random secrets stored only as hashes.",
        ("access", "authentication", "decisions"),
        (
            "access.deciding_reviewers",
            "access.agents",
            "access.active_credentials",
            "auth.secret_storage",
            "auth.mfa",
            "decisions.human",
            "auth.sign_ins",
        ),
        required=("access.deciding_reviewers",),
    ),
    ControlSpec(
        "CC6.2",
        "Registration and authorization of users before credentials are issued",
        "Credentials are issued by an operator to a named agent or reviewer with a role, "
        "recorded in the audit log, and revocable; reviewer roles change only by an admin.",
        ("access", "changes"),
        (
            "access.credentials_issued",
            "access.credentials_revoked",
            "access.active_credentials",
            "access.deciding_reviewers",
            "changes.roles",
        ),
    ),
    ControlSpec(
        "CC6.3",
        "Role-based access, least privilege and segregation of duties",
        "Roles bound what each reviewer may decide; policies require senior roles or several "
        "approvers; an agent's owner may not approve its commands; every role, policy and "
        "owner change is audited.",
        ("access", "changes", "multi_party"),
        (
            "access.deciding_reviewers",
            "access.admins",
            "access.auditors",
            "access.agents_with_owner",
            "privileged.routing",
            "multi_party.policies",
            "multi_party.commands",
            "multi_party.approved",
            "changes.roles",
            "changes.policies",
            "changes.owners",
            "changes.org_policy",
            "decisions.human",
        ),
        required=("access.deciding_reviewers",),
    ),
    ControlSpec(
        "CC7.2",
        "Monitoring of system components for anomalies",
        "Every submitted command is scored by risk rules; each rule that fires is stored as "
        "an anomaly event with the command; a failing rule counts at maximum risk.",
        ("anomalies", "decisions"),
        (
            "decisions.submitted",
            "anomalies.events",
            "anomalies.commands",
            "risk.high",
            "anomalies.rule_failures",
        ),
    ),
    ControlSpec(
        "CC7.3",
        "Evaluation of security events",
        "Commands with anomalies go to a human unless a whitelist rule matches; the report "
        "joins each anomaly to its command's final decision, so how each was handled is shown.",
        ("anomalies", "decisions"),
        (
            "anomalies.events",
            "anomalies.human_reviewed",
            "anomalies.stopped",
            "anomalies.whitelisted",
            "decisions.timed_out",
            "decisions.escalated",
        ),
    ),
    ControlSpec(
        "CC8.1",
        "Authorization and approval of changes",
        _CHANGE_EVIDENCE,
        _CHANGE_SECTIONS,
        _DECISION_ITEMS,
    ),
)

ISO27001: Final = (
    ControlSpec(
        "5.15",
        "Access control",
        _ACCESS_EVIDENCE,
        ("access", "changes", "decisions"),
        (
            "access.deciding_reviewers",
            "access.admins",
            "access.auditors",
            "access.agents",
            "privileged.routing",
            "changes.policies",
            "changes.org_policy",
            "decisions.human",
        ),
        required=("access.deciding_reviewers",),
    ),
    ControlSpec(
        "5.18",
        "Access rights",
        "Credentials are issued, revoked and bound to a role; role and owner changes are made "
        "by admins and audited.",
        ("access", "changes"),
        (
            "access.credentials_issued",
            "access.credentials_revoked",
            "access.active_credentials",
            "changes.roles",
            "changes.owners",
            "access.agents_with_owner",
        ),
    ),
    ControlSpec(
        "8.2",
        "Privileged access rights",
        "High-risk commands need a senior or admin; policies can require several approvers; "
        "only admins change policies and roles.",
        ("access", "changes", "multi_party", "anomalies"),
        (
            "access.admins",
            "privileged.routing",
            "multi_party.policies",
            "multi_party.commands",
            "multi_party.approved",
            "risk.high",
            "changes.roles",
            "changes.policies",
        ),
        required=("privileged.routing",),
    ),
    ControlSpec(
        "8.5",
        "Secure authentication",
        "Reviewers authenticate with random tokens or API keys stored only as hashes; web "
        "sessions expire and end when their credential is revoked. No MFA yet.",
        ("authentication", "access"),
        (
            "auth.mfa",
            "auth.secret_storage",
            "auth.session_ttl",
            "auth.sign_ins",
            "access.active_credentials",
        ),
    ),
    ControlSpec(
        "8.15",
        "Logging",
        "Every submission, decision, vote, rule and policy change is appended to an "
        "append-only, hash-chained audit log in the same transaction as the change.",
        ("audit_chain",),
        ("audit.chain", "audit.events_in_range", "audit.head_hash"),
    ),
    ControlSpec(
        "8.16",
        "Monitoring activities",
        "Risk rules score every command; anomalies are stored and joined to the decision "
        "that followed; commands nobody decides time out as not approved.",
        ("anomalies", "decisions"),
        _MONITORING_ITEMS,
    ),
    ControlSpec(
        "8.32",
        "Change management",
        _CHANGE_EVIDENCE,
        _CHANGE_SECTIONS,
        _DECISION_ITEMS,
    ),
)

CATALOGUE: Final[dict[str, tuple[ControlSpec, ...]]] = {"soc2": SOC2, "iso27001": ISO27001}


def map_controls(framework: Framework, sections: Sections) -> list[ControlView]:
    """Each control of ``framework`` with its evidence, findings and status."""
    items = evidence_items(sections)
    return [_control(spec, items) for spec in CATALOGUE[framework]]


def _control(spec: ControlSpec, items: dict[str, EvidenceItem]) -> ControlView:
    cited = [items[key].model_copy(update={"required": key in spec.required}) for key in spec.items]
    return ControlView(
        id=spec.id,
        title=spec.title,
        evidences=spec.evidences,
        status=control_status(cited),
        sections=list(spec.sections),
        evidence=cited,
        findings=_findings(cited),
    )


def _findings(items: list[EvidenceItem]) -> list[str]:
    found = []
    for item in items:
        if item.kind is EvidenceKind.FINDING:
            found.append(f"{item.label}: {item.note}")
        elif item.status is ItemStatus.FAILED:
            found.append(f"{item.label}: {item.figure} ({item.note})")
        elif item.required and item.status is ItemStatus.NOT_CONFIGURED:
            found.append(f"{item.label}: not configured")
    return found
