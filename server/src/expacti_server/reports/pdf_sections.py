"""The evidence sections of the PDF: one titled block of tables per section of the report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, Spacer  # type: ignore[import-untyped]

from expacti_server.reports.pdf_layout import Styles, show, table, text
from expacti_server.reports.schemas import ComplianceReport
from expacti_server.reports.sections.models import ChangeEvent, Listing, Outcomes

_OUTCOME_HEADERS = ("Approved by reviewer", "Whitelisted", "Denied", "Timed out", "Cancelled")


def evidence_tables(report: ComplianceReport, styles: Styles, width: float) -> list[Any]:
    """Every section's tables, in the order of ``Sections``."""
    page = _Page(styles, width)
    page.h1("Evidence")
    _access(report, page)
    _authentication(report, page)
    _decisions(report, page)
    _whitelist(report, page)
    _anomalies(report, page)
    _multi_party(report, page)
    _changes(report, page)
    _chain(report, page)
    return page.flow


class _Page:
    """Collects flowables with the document's styles."""

    def __init__(self, styles: Styles, width: float) -> None:
        self.styles = styles
        self.width = width
        self.flow: list[Any] = []

    def h1(self, title: str) -> None:
        self.flow.append(Paragraph(text(title), self.styles.h1))

    def h2(self, title: str) -> None:
        self.flow.append(Paragraph(text(title), self.styles.h2))

    def note(self, line: str) -> None:
        self.flow.append(Paragraph(text(line), self.styles.small))

    def rows(
        self, rows: Sequence[Sequence[object]], *fractions: float, empty: str | None = None
    ) -> None:
        """A table; with ``empty``, a note says so when it has no rows under its header."""
        widths = [self.width * f for f in fractions]
        self.flow.append(table(rows, widths, self.styles))
        if empty is not None and len(rows) == 1:
            self.note(empty)
        self.flow.append(Spacer(1, 3 * mm))

    def listing(self, listing: Listing[Any], what: str) -> None:
        if listing.truncated:
            self.note(f"Showing the newest {len(listing.items)} of {listing.total} {what}.")
        elif not listing.items:
            self.note(f"No {what}.")


def _outcomes(o: Outcomes) -> list[object]:
    return [o.approved_by_reviewer, o.whitelisted, o.denied, o.timed_out, o.cancelled]


def _access(report: ComplianceReport, page: _Page) -> None:
    a = report.sections.access
    r = a.reviewers_by_role
    page.h2("Who can approve")
    page.rows(
        [
            ("Role", "Reviewers", "May decide"),
            ("admin", r.admin, "yes, and changes policies and roles"),
            ("senior", r.senior, "yes, including high-risk commands"),
            ("reviewer", r.reviewer, "yes, within policies"),
            ("auditor", r.auditor, "no (read-only)"),
        ],
        0.25,
        0.2,
        0.55,
    )
    page.rows(
        [("Reviewer", "Role", "Decides", "Active credentials")]
        + [
            (e.name, e.role, "yes" if e.decides else "no", e.active_credentials)
            for e in a.reviewers.items
        ],
        0.4,
        0.2,
        0.15,
        0.25,
    )
    page.listing(a.reviewers, "reviewers")
    page.h2("Agents and their owners")
    page.rows(
        [("Agent", "Owner (may not approve its commands)")]
        + [(e.name, e.owner or "none") for e in a.agents.items],
        0.5,
        0.5,
    )
    page.listing(a.agents, "agents")
    c = a.credentials
    page.rows(
        [
            ("Credentials", "Count"),
            ("Active reviewer tokens", c.reviewer_tokens),
            ("Active API keys", c.api_keys),
            ("Active agent tokens", c.agent_tokens),
            ("Issued in the range", c.issued_in_range),
            ("Revoked in the range", c.revoked_in_range),
        ],
        0.6,
        0.4,
    )
    for line in a.notes:
        page.note(line)


def _authentication(report: ComplianceReport, page: _Page) -> None:
    auth = report.sections.authentication
    page.h2("Authentication")
    page.rows(
        [
            ("Fact", "Value"),
            ("MFA for reviewers", auth.mfa),
            ("Methods", "; ".join(auth.methods)),
            ("Secret storage", auth.secret_storage),
            ("Web session lifetime", show(auth.session_ttl_seconds, "s")),
            ("Web sign-ins in the range", auth.sign_ins),
        ],
        0.3,
        0.7,
    )
    for line in auth.notes:
        page.note(line)


def _decisions(report: ComplianceReport, page: _Page) -> None:
    d = report.sections.decisions
    c = d.counts
    page.h2("Approvals and denials")
    page.rows(
        [
            ("Outcome", "Commands"),
            ("Submitted", c.submitted),
            ("Approved by a reviewer", c.approved_by_reviewer),
            ("Approved by a whitelist rule", c.whitelisted),
            ("Denied", c.denied),
            ("  of which by the system", c.denied_by_system),
            ("Timed out", c.timed_out),
            ("Cancelled", c.cancelled),
            ("Still pending", c.pending),
            ("Edited by a reviewer, then approved", d.edited),
            ("Escalated on timeout", d.escalated),
        ],
        0.6,
        0.4,
    )
    lat = d.latency
    page.rows(
        [
            ("Review latency (human decisions)", "Value"),
            ("Decisions", lat.decisions),
            ("Median", show(lat.median_ms, "ms")),
            ("95th percentile", show(lat.p95_ms, "ms")),
            ("Maximum", show(lat.max_ms, "ms")),
        ],
        0.6,
        0.4,
    )
    page.note(f"Method: {lat.method}.")
    page.rows(
        [("Latency bucket", "Decisions")] + [(b.label, b.count) for b in d.latency_histogram],
        0.6,
        0.4,
    )
    page.rows(
        [("Risk band", "Commands", *_OUTCOME_HEADERS)]
        + [
            (f"{b.band} ({b.min_score}-{b.max_score})", b.commands, *_outcomes(b))
            for b in d.risk_mix
        ],
        0.2,
        0.12,
        *([0.136] * 5),
    )
    page.rows(
        [("Reviewer (deciding vote)", "Approved", "Denied")]
        + [(r.reviewer, r.approved, r.denied) for r in d.by_reviewer.items],
        0.5,
        0.25,
        0.25,
    )
    page.listing(d.by_reviewer, "reviewers who decided")


def _events(page: _Page, events: Listing[ChangeEvent], what: str) -> None:
    page.rows(
        [("At (UTC)", "Action", "By", "Detail")]
        + [
            (f"{e.at:%Y-%m-%d %H:%M:%S}", e.action, e.actor or e.actor_type, e.detail)
            for e in events.items
        ],
        0.18,
        0.2,
        0.14,
        0.48,
    )
    page.listing(events, what)


def _whitelist(report: ComplianceReport, page: _Page) -> None:
    w = report.sections.whitelist
    page.h2("Whitelist changes")
    page.rows([("Action", "Records"), *w.by_action.items()], 0.6, 0.4)
    page.rows(
        [("Changed or accepted by", "Changes")]
        + [(a.actor or a.actor_type, a.changes) for a in w.by_actor],
        0.6,
        0.4,
        empty="Nobody changed the whitelist in the range.",
    )
    _events(page, w.events, "whitelist changes")
    page.note(
        f"Rules active now: {w.rules_active}. Commands approved by a rule in the range: "
        f"{w.auto_approvals}."
    )
    for line in w.notes:
        page.note(line)


def _anomalies(report: ComplianceReport, page: _Page) -> None:
    an = report.sections.anomalies
    page.h2("Anomaly events and their handling")
    page.note(
        f"{an.events} events on {an.commands} commands; {an.rule_failures} rule failures; "
        f"{an.high_risk_commands} high-risk commands submitted."
    )
    page.rows(
        [("Rule", "Events", "Commands", "Max score", *_OUTCOME_HEADERS)]
        + [(r.rule_id, r.events, r.commands, r.max_score, *_outcomes(r)) for r in an.by_rule]
        + [("all rules", an.events, an.commands, "", *_outcomes(an.handling))],
        0.17,
        0.08,
        0.1,
        0.08,
        *([0.114] * 5),
    )


def _multi_party(report: ComplianceReport, page: _Page) -> None:
    m = report.sections.multi_party
    page.h2("Multi-party approvals")
    page.rows(
        [("Policy", "Approvers required", "Least role", "Mode")]
        + [(p.name, p.required, p.min_role, p.mode) for p in m.policies],
        0.4,
        0.2,
        0.2,
        0.2,
        empty="No approval policy requires more than one approver.",
    )
    page.rows(
        [("Command", "Agent", "Outcome", "Required", "Approvers", "Denied by")]
        + [
            (
                i.command_id,
                i.agent,
                i.outcome,
                i.required,
                ", ".join(i.approvers),
                ", ".join(i.deniers),
            )
            for i in m.items.items
        ],
        0.3,
        0.13,
        0.15,
        0.1,
        0.2,
        0.12,
    )
    page.listing(m.items, "commands that needed more than one approver")


def _changes(report: ComplianceReport, page: _Page) -> None:
    ch = report.sections.changes
    page.h2("Approval policy and role changes")
    page.rows([("Action", "Records"), *ch.by_action.items()], 0.6, 0.4)
    _events(page, ch.events, "policy, role or owner changes")
    page.rows(
        [("Policy in force now", "Priority", "Least role", "Approvers", "Mode", "Matches")]
        + [
            (
                p.name,
                p.priority,
                p.min_role,
                p.required,
                p.mode,
                p.command_pattern
                or p.target_scope
                or (f"risk >= {p.min_risk}" if p.min_risk else "everything"),
            )
            for p in ch.policies
        ],
        0.22,
        0.1,
        0.13,
        0.12,
        0.1,
        0.33,
        empty="No approval policies: the default routing applies to every command.",
    )
    r = ch.routing
    page.note(
        f"Default routing: from risk {r.senior_risk_threshold} only seniors and admins decide "
        f"({'on' if r.high_risk_routing else 'off'}); timeout {r.timeout_seconds} s, then "
        f"{r.timeout_action}."
    )


def _chain(report: ComplianceReport, page: _Page) -> None:
    c = report.sections.audit_chain
    page.h2("Audit chain verification")
    brk = c.first_break
    page.rows(
        [
            ("Check", "Result"),
            ("Result", "ok" if c.ok else "BROKEN"),
            ("Records checked", c.records),
            ("Head seq", c.head_seq),
            ("Head hash", c.head_hash or "none"),
            ("First break", f"seq {brk.seq} ({brk.kind}): {brk.message}" if brk else "none"),
            ("Verified at", c.verified_at.isoformat()),
            ("Audit records written in the range", c.events_in_range),
        ],
        0.35,
        0.65,
    )
    page.note(f"Scope: {c.scope}.")
