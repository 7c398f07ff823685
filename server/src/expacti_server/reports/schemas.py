"""The JSON shape of a compliance report (docs/COMPLIANCE.md describes every field).

The shape is stable: every section and every count is always present, zero
when nothing happened, so a script comparing reports never meets a missing key.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from expacti_server.reports.evidence import ControlStatus, EvidenceItem
from expacti_server.reports.sections.models import (
    AccessSection,
    AnomaliesSection,
    AuditChainSection,
    AuthenticationSection,
    ChangesSection,
    DecisionsSection,
    MultiPartySection,
    WhitelistSection,
)

Framework = Literal["soc2", "iso27001"]
ReportFormat = Literal["json", "csv", "pdf"]


class FrameworkView(BaseModel):
    """The framework whose controls the report maps evidence to."""

    id: Framework
    name: str


class OrgRef(BaseModel):
    """The organisation the report is about."""

    id: str
    name: str


class RangeView(BaseModel):
    """The time range covered: ``start`` inclusive, ``end`` exclusive, in UTC."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    start: datetime
    end: datetime
    first_day: date
    last_day: date = Field(description="The last UTC day covered (inclusive).")
    days: int
    time_zone: Literal["UTC"] = "UTC"


class ControlView(BaseModel):
    """One control of the framework and the evidence expacti holds for it."""

    id: str
    title: str
    evidences: str = Field(description="What expacti evidences for this control.")
    status: ControlStatus
    sections: list[str] = Field(description="Keys of `sections` the evidence comes from.")
    evidence: list[EvidenceItem]
    findings: list[str]


class Sections(BaseModel):
    """Every evidence section, always present."""

    access: AccessSection
    authentication: AuthenticationSection
    decisions: DecisionsSection
    whitelist: WhitelistSection
    anomalies: AnomaliesSection
    multi_party: MultiPartySection
    changes: ChangesSection
    audit_chain: AuditChainSection


class Summary(BaseModel):
    """The headline figures."""

    empty: bool = Field(description="Nothing was submitted, decided or changed in the range.")
    note: str | None
    commands_submitted: int
    human_decisions: int
    whitelisted: int
    denied: int
    timed_out: int
    cancelled: int
    anomaly_events: int
    whitelist_changes: int
    access_changes: int
    multi_party_commands: int
    audit_chain_ok: bool
    controls_by_status: dict[str, int]
    findings: list[str]


class ComplianceReport(BaseModel):
    """Evidence from expacti mapped to one framework's controls, for one org and time range."""

    framework: FrameworkView
    org: OrgRef
    range: RangeView
    generated_at: datetime
    generated_by: str
    summary: Summary
    controls: list[ControlView]
    sections: Sections
