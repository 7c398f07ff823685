"""Every evidence item a control can cite, built once from the sections, by key."""

from __future__ import annotations

from expacti_server.reports.evidence import (
    EvidenceItem,
    activity,
    configuration,
    figure,
    finding,
    verification,
)
from expacti_server.reports.schemas import Sections
from expacti_server.reports.sections.access import MFA_FINDING, REVOCATION_NOTE
from expacti_server.reports.sections.decisions import LATENCY_METHOD

_SENIOR_ROLES = ("senior", "admin")


def evidence_items(s: Sections) -> dict[str, EvidenceItem]:
    """The items, keyed by ``EvidenceItem.key``."""
    items = [
        *_access(s),
        *_authentication(s),
        *_decisions(s),
        *_whitelist(s),
        *_anomalies(s),
        *_multi_party(s),
        *_changes(s),
        *_audit(s),
    ]
    return {item.key: item for item in items}


def _names(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _access(s: Sections) -> list[EvidenceItem]:
    a = s.access
    roles = a.reviewers_by_role
    agents = a.agents.total
    creds = a.credentials
    return [
        configuration(
            "access.deciding_reviewers",
            "Reviewers whose role may approve or deny (reviewer, senior, admin)",
            a.deciding_reviewers,
            configured=a.deciding_reviewers > 0,
            note=f"admin {roles.admin}, senior {roles.senior}, reviewer {roles.reviewer}",
        ),
        figure(
            "access.admins",
            "Admins (change policies and roles)",
            roles.admin,
            None,
            _names(a.admins) or None,
        ),
        figure(
            "access.auditors",
            "Auditors (read-only, never decide)",
            roles.auditor,
            None,
            _names(a.auditors) or None,
        ),
        figure(
            "access.agents",
            "Agents (submit only: an agent credential can never approve)",
            agents,
        ),
        configuration(
            "access.agents_with_owner",
            "Agents linked to an owning reviewer, who may not approve their commands",
            f"{a.agents_with_owner} of {agents}",
            configured=a.agents_with_owner > 0,
            note="separation of duties between an agent's owner and its approvers",
        ),
        figure(
            "access.active_credentials",
            "Active reviewer credentials (tokens and API keys)",
            creds.reviewer_tokens + creds.api_keys,
            None,
            f"{creds.reviewer_tokens} tokens, {creds.api_keys} API keys; "
            f"{creds.agent_tokens} agent tokens",
        ),
        activity(
            "access.credentials_issued", "Credentials issued in the range", creds.issued_in_range
        ),
        activity(
            "access.credentials_revoked",
            "Credentials revoked in the range",
            creds.revoked_in_range,
            REVOCATION_NOTE,
        ),
    ]


def _authentication(s: Sections) -> list[EvidenceItem]:
    auth = s.authentication
    return [
        finding(
            "auth.mfa", "Multi-factor authentication for reviewers", "not enforced", MFA_FINDING
        ),
        configuration(
            "auth.secret_storage",
            "Credential secrets stored hashed, compared in constant time",
            "SHA-256 digests",
            configured=True,
            note=auth.secret_storage,
        ),
        figure("auth.session_ttl", "Web session lifetime", auth.session_ttl_seconds, "s"),
        activity("auth.sign_ins", "Web sign-ins in the range", auth.sign_ins),
    ]


def _decisions(s: Sections) -> list[EvidenceItem]:
    d = s.decisions
    c = d.counts
    lat = d.latency
    none_note = "no human decisions in the range" if lat.decisions == 0 else LATENCY_METHOD
    return [
        activity("decisions.submitted", "Commands submitted", c.submitted),
        activity("decisions.human", "Decisions made by a reviewer", d.human_decisions),
        figure("decisions.approved_by_reviewer", "Approved by a reviewer", c.approved_by_reviewer),
        figure("decisions.whitelisted", "Approved by a whitelist rule (no human)", c.whitelisted),
        figure(
            "decisions.denied",
            "Denied",
            c.denied,
            None,
            f"{c.denied_by_system} by the system (approvals could no longer come)",
        ),
        figure(
            "decisions.timed_out", "Timed out (not approved: the gate fails closed)", c.timed_out
        ),
        figure("decisions.cancelled", "Cancelled by the agent or on its disconnect", c.cancelled),
        figure("decisions.pending", "Still pending when the report was made", c.pending),
        figure(
            "decisions.latency_median", "Review latency, median", lat.median_ms, "ms", none_note
        ),
        figure(
            "decisions.latency_p95", "Review latency, 95th percentile", lat.p95_ms, "ms", none_note
        ),
        figure("decisions.latency_max", "Review latency, maximum", lat.max_ms, "ms", none_note),
        figure("decisions.edited", "Approved after a reviewer edited the command", d.edited),
        figure("decisions.escalated", "Escalated to the next tier on timeout", d.escalated),
    ]


def _whitelist(s: Sections) -> list[EvidenceItem]:
    w = s.whitelist
    by = ", ".join(f"{a.actor} ({a.changes})" for a in w.by_actor[:10]) or "nobody"
    breakdown = ", ".join(f"{k.split('.')[-1]} {v}" for k, v in w.by_action.items())
    return [
        activity("whitelist.changes", "Whitelist changes", w.total_changes, breakdown),
        figure("whitelist.changed_by", "Who changed the whitelist or accepted a suggestion", by),
        figure("whitelist.rules_active", "Whitelist rules active now", w.rules_active),
    ]


def _anomalies(s: Sections) -> list[EvidenceItem]:
    an = s.anomalies
    h = an.handling
    return [
        activity("anomalies.events", "Anomaly events (risk rules that fired)", an.events),
        figure("anomalies.commands", "Commands with at least one anomaly", an.commands),
        figure("anomalies.human_reviewed", "Of those, decided by a reviewer", h.human_decisions),
        figure(
            "anomalies.stopped",
            "Of those, not run: denied, timed out or cancelled",
            h.denied + h.timed_out + h.cancelled,
        ),
        figure(
            "anomalies.whitelisted",
            "Of those, approved by a whitelist rule without review",
            h.whitelisted,
        ),
        figure(
            "anomalies.rule_failures",
            "Risk rule failures (scored at maximum: fail closed)",
            an.rule_failures,
        ),
        activity("risk.high", "High-risk commands (score >= 70)", an.high_risk_commands),
    ]


def _multi_party(s: Sections) -> list[EvidenceItem]:
    m = s.multi_party
    return [
        configuration(
            "multi_party.policies",
            "Approval policies requiring more than one approver",
            len(m.policies),
            configured=bool(m.policies),
            note=", ".join(f"{p.name} ({p.required} x {p.min_role})" for p in m.policies) or None,
        ),
        activity("multi_party.commands", "Commands that needed more than one approver", m.commands),
        figure(
            "multi_party.approved",
            "Of those, approved by every approver required",
            m.outcomes.approved_by_reviewer,
        ),
    ]


def _changes(s: Sections) -> list[EvidenceItem]:
    ch = s.changes.by_action
    routing = s.changes.routing
    senior_policies = [p for p in s.changes.policies if p.min_role in _SENIOR_ROLES]
    routed = routing.high_risk_routing or bool(senior_policies)
    shown = (
        f"risk >= {routing.senior_risk_threshold}: senior or admin"
        if routing.high_risk_routing
        else "default routing off"
    )
    return [
        activity(
            "changes.policies",
            "Approval policy changes",
            ch["approval_policy.created"]
            + ch["approval_policy.updated"]
            + ch["approval_policy.deleted"],
        ),
        activity("changes.roles", "Reviewer role changes", ch["reviewer.role_changed"]),
        activity("changes.owners", "Agent owner changes", ch["agent.owner_changed"]),
        activity(
            "changes.org_policy",
            "Organisation policy changes (timeout, routing, hours)",
            ch["org.policy_changed"],
        ),
        configuration(
            "privileged.routing",
            "High-risk commands routed to seniors and admins",
            shown,
            configured=routed,
            note=f"{len(senior_policies)} policies require senior or admin",
        ),
    ]


def _audit(s: Sections) -> list[EvidenceItem]:
    chain = s.audit_chain
    if chain.ok:
        shown, note = "verified", f"{chain.records} records, head seq {chain.head_seq}"
    else:
        brk = chain.first_break
        shown = f"broken at seq {brk.seq}" if brk else "broken"
        note = f"{brk.kind}: {brk.message}" if brk else "verification failed"
    return [
        verification("audit.chain", "Audit log hash chain", shown, passed=chain.ok, note=note),
        activity(
            "audit.events_in_range", "Audit records written in the range", chain.events_in_range
        ),
        figure(
            "audit.head_hash",
            "Audit chain head hash (keep it to check later)",
            chain.head_hash or "none",
        ),
    ]
