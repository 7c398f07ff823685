"""Building a compliance report: gather the sections, map them to the framework's controls."""

from __future__ import annotations

from collections import Counter

from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.identity.principal import Principal
from expacti_server.reports.controls import FRAMEWORK_NAMES, map_controls
from expacti_server.reports.evidence import ControlStatus
from expacti_server.reports.schemas import (
    ComplianceReport,
    ControlView,
    Framework,
    FrameworkView,
    OrgRef,
    RangeView,
    Sections,
    Summary,
)
from expacti_server.reports.sections.access import access_section, authentication_section
from expacti_server.reports.sections.anomalies import anomalies_section
from expacti_server.reports.sections.audit_chain import audit_chain_section
from expacti_server.reports.sections.changes import (
    action_counts,
    changes_section,
    current_policies,
    whitelist_section,
)
from expacti_server.reports.sections.decisions import decisions_section
from expacti_server.reports.sections.multi_party import multi_party_section
from expacti_server.reports.window import ReportWindow

EMPTY_NOTE = (
    "Nothing happened in this organisation in the range: no command was submitted and no "
    "audit record was written. Every section is present with zero counts; who can approve, "
    "the policies in force and the audit chain verification are reported as they are now."
)


async def build_report(
    database: Database,
    principal: Principal,
    *,
    framework: Framework,
    window: ReportWindow,
    session_ttl_seconds: int,
) -> ComplianceReport:
    """The report for the caller's organisation over ``window``."""
    org_id = principal.org_id
    now = utcnow()
    async with database.read() as conn:
        if not database.is_sqlite:
            # One snapshot for every query, so the sections agree with each other.
            await conn.execution_options(isolation_level="REPEATABLE READ")
        counts = await action_counts(conn, org_id=org_id, window=window)
        decisions = await decisions_section(conn, org_id=org_id, window=window)
        policies = await current_policies(conn, org_id)
        access = await access_section(conn, org_id=org_id, window=window, now=now)
        authentication = await authentication_section(
            conn, org_id=org_id, window=window, session_ttl_seconds=session_ttl_seconds
        )
        whitelist = await whitelist_section(
            conn,
            org_id=org_id,
            window=window,
            counts=counts,
            auto_approvals=decisions.counts.whitelisted,
            now=now,
        )
        anomalies = await anomalies_section(conn, org_id=org_id, window=window)
        multi_party = await multi_party_section(
            conn, org_id=org_id, window=window, policies=policies
        )
        changes = await changes_section(conn, org_id=org_id, window=window, counts=counts)
    chain = await audit_chain_section(database, org_id=org_id, events_in_range=sum(counts.values()))
    sections = Sections(
        access=access,
        authentication=authentication,
        decisions=decisions,
        whitelist=whitelist,
        anomalies=anomalies,
        multi_party=multi_party,
        changes=changes,
        audit_chain=chain,
    )
    controls = map_controls(framework, sections)
    return ComplianceReport(
        framework=FrameworkView(id=framework, name=FRAMEWORK_NAMES[framework]),
        org=OrgRef(id=org_id, name=principal.org_name),
        range=RangeView(
            start=window.start,
            end=window.end,
            first_day=window.first_day,
            last_day=window.last_day,
            days=len(window.days()),
        ),
        generated_at=now,
        generated_by=principal.name,
        summary=summarise(sections, controls),
        controls=controls,
        sections=sections,
    )


def summarise(sections: Sections, controls: list[ControlView]) -> Summary:
    """The headline figures and every distinct finding."""
    d = sections.decisions.counts
    empty = d.submitted == 0 and sections.audit_chain.events_in_range == 0
    statuses = Counter(c.status for c in controls)
    findings = list(dict.fromkeys(f for c in controls for f in c.findings))
    return Summary(
        empty=empty,
        note=EMPTY_NOTE if empty else None,
        commands_submitted=d.submitted,
        human_decisions=sections.decisions.human_decisions,
        whitelisted=d.whitelisted,
        denied=d.denied,
        timed_out=d.timed_out,
        cancelled=d.cancelled,
        anomaly_events=sections.anomalies.events,
        whitelist_changes=sections.whitelist.total_changes,
        access_changes=sections.changes.total,
        multi_party_commands=sections.multi_party.commands,
        audit_chain_ok=sections.audit_chain.ok,
        controls_by_status={status.value: statuses.get(status, 0) for status in ControlStatus},
        findings=findings,
    )
