"""The control catalogue and how evidence decides each control's status."""

from __future__ import annotations

import pytest

from expacti_server.reports.controls import CATALOGUE, map_controls
from expacti_server.reports.evidence import (
    ControlStatus,
    EvidenceItem,
    activity,
    configuration,
    control_status,
    figure,
    finding,
    verification,
)
from expacti_server.reports.items import evidence_items
from expacti_server.reports.schemas import Framework
from expacti_server.reports.sections.models import RoutingView
from tests.reports import sample

SOC2_TITLES = {
    "CC6.1": "Logical access security",
    "CC6.2": "Registration and authorization of users before credentials are issued",
    "CC6.3": "Role-based access, least privilege and segregation of duties",
    "CC7.2": "Monitoring of system components for anomalies",
    "CC7.3": "Evaluation of security events",
    "CC8.1": "Authorization and approval of changes",
}
ISO_TITLES = {
    "5.15": "Access control",
    "5.18": "Access rights",
    "8.2": "Privileged access rights",
    "8.5": "Secure authentication",
    "8.15": "Logging",
    "8.16": "Monitoring activities",
    "8.32": "Change management",
}
MFA = (
    "Multi-factor authentication for reviewers: not enforced: expacti has no MFA for reviewers yet"
)


def test_the_catalogue_holds_exactly_the_controls_we_evidence_with_their_titles() -> None:
    assert {c.id: c.title for c in CATALOGUE["soc2"]} == SOC2_TITLES
    assert list(SOC2_TITLES) == [c.id for c in CATALOGUE["soc2"]]
    assert {c.id: c.title for c in CATALOGUE["iso27001"]} == ISO_TITLES
    assert list(ISO_TITLES) == [c.id for c in CATALOGUE["iso27001"]]


def test_every_cited_item_and_section_exists() -> None:
    items = evidence_items(sample.sections())
    section_keys = set(sample.sections().model_dump())
    for spec in (*CATALOGUE["soc2"], *CATALOGUE["iso27001"]):
        assert set(spec.items) <= set(items), spec.id
        assert set(spec.required) <= set(spec.items), spec.id
        assert set(spec.sections) <= section_keys, spec.id
        assert spec.evidences


def test_every_item_is_cited_by_some_control() -> None:
    cited = {key for spec in (*CATALOGUE["soc2"], *CATALOGUE["iso27001"]) for key in spec.items}
    assert set(evidence_items(sample.sections())) == cited


def test_mfa_is_reported_as_a_finding_never_as_evidence() -> None:
    cases: list[tuple[Framework, str]] = [("soc2", "CC6.1"), ("iso27001", "8.5")]
    for framework, control_id in cases:
        controls = {c.id: c for c in map_controls(framework, sample.sections())}
        control = controls[control_id]
        assert control.status is ControlStatus.PARTIAL
        assert control.findings == [MFA]
        [mfa] = [i for i in control.evidence if i.key == "auth.mfa"]
        assert (mfa.figure, mfa.status.value, mfa.kind.value) == (
            "not enforced",
            "finding",
            "finding",
        )


def test_a_known_history_evidences_every_other_control() -> None:
    for framework in ("soc2", "iso27001"):
        statuses = {c.id: c.status for c in map_controls(framework, sample.sections())}
        partial = {"CC6.1", "8.5"}
        assert {i for i, s in statuses.items() if s is ControlStatus.PARTIAL} == partial & set(
            statuses
        )
        assert all(s is ControlStatus.EVIDENCED for i, s in statuses.items() if i not in partial)


def test_an_empty_range_has_no_activity_except_the_mfa_gap() -> None:
    controls = map_controls("iso27001", sample.sections(active=False))
    assert {c.id: c.status.value for c in controls} == {
        "5.15": "no activity in range",
        "5.18": "no activity in range",
        "8.2": "no activity in range",
        "8.5": "partial",
        "8.15": "no activity in range",
        "8.16": "no activity in range",
        "8.32": "no activity in range",
    }


def test_a_broken_chain_is_an_exception_with_its_first_break() -> None:
    controls = {
        c.id: c for c in map_controls("iso27001", sample.sections(audit_chain=sample.BROKEN_CHAIN))
    }
    logging = controls["8.15"]
    assert logging.status is ControlStatus.EXCEPTION
    assert logging.findings == [
        "Audit log hash chain: broken at seq 58 (edited: record 58 changed)"
    ]
    assert controls["8.32"].status is ControlStatus.EXCEPTION
    report = sample.report("iso27001", audit_chain=sample.BROKEN_CHAIN)
    assert report.summary.audit_chain_ok is False
    assert report.summary.controls_by_status["exception"] == 2


def test_privileged_access_without_high_risk_routing_is_not_configured() -> None:
    base = sample.sections()
    off = RoutingView(
        senior_risk_threshold=101,
        high_risk_routing=False,
        timeout_seconds=60,
        timeout_action="deny",
    )
    changes = base.changes.model_copy(update={"routing": off, "policies": []})
    controls = {c.id: c for c in map_controls("iso27001", sample.sections(changes=changes))}
    assert controls["8.2"].status is ControlStatus.NOT_CONFIGURED
    assert controls["8.2"].findings == [
        "High-risk commands routed to seniors and admins: not configured"
    ]
    # The same item is context elsewhere: it does not make access control "not configured".
    assert controls["5.15"].status is ControlStatus.EVIDENCED


def _item(kind: str, ok: bool = True, required: bool = False) -> EvidenceItem:
    if kind == "activity":
        return activity("a", "a", 1 if ok else 0)
    if kind == "configuration":
        item = configuration("c", "c", 1, configured=ok)
        return item.model_copy(update={"required": required})
    if kind == "verification":
        return verification("v", "v", "x", passed=ok, note="n")
    if kind == "finding":
        return finding("f", "f", "gap", "note")
    return figure("i", "i", 3)


@pytest.mark.parametrize(
    ("items", "status"),
    [
        ([], ControlStatus.EVIDENCED),
        ([("figure",)], ControlStatus.EVIDENCED),
        ([("activity", True), ("activity", False)], ControlStatus.EVIDENCED),
        ([("activity", False), ("activity", False)], ControlStatus.NO_ACTIVITY),
        ([("activity", False), ("configuration", False)], ControlStatus.NO_ACTIVITY),
        ([("activity", True), ("configuration", False, True)], ControlStatus.NOT_CONFIGURED),
        (
            [("configuration", True, True), ("configuration", False, True)],
            ControlStatus.PARTIAL,
        ),
        ([("activity", True), ("finding",)], ControlStatus.PARTIAL),
        ([("activity", False), ("finding",)], ControlStatus.PARTIAL),
        ([("finding",), ("verification", False)], ControlStatus.EXCEPTION),
        ([("activity", True), ("verification", True)], ControlStatus.EVIDENCED),
        ([("configuration", False, True), ("verification", False)], ControlStatus.EXCEPTION),
    ],
)
def test_status_rules(items: list[tuple[object, ...]], status: ControlStatus) -> None:
    built = [_item(*spec) for spec in items]  # type: ignore[arg-type]
    assert control_status(built) is status


def test_required_is_not_part_of_the_json() -> None:
    item = configuration("c", "c", 1, configured=True).model_copy(update={"required": True})
    assert "required" not in item.model_dump()


def test_summary_collects_distinct_findings_and_counts_statuses() -> None:
    report = sample.report("soc2")
    assert report.summary.findings == [MFA]
    assert report.summary.controls_by_status == {
        "evidenced": 5,
        "partial": 1,
        "no activity in range": 0,
        "not configured": 0,
        "exception": 0,
    }
    assert report.summary.empty is False
    empty = sample.report("soc2", active=False)
    assert empty.summary.empty is True
    assert empty.summary.note is not None
