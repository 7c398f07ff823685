"""Evidence items and how a control's status follows from them.

An item is one figure with a kind:

* ``activity``: how often the control operated in the range (a count);
  zero means ``no activity``.
* ``configuration``: how the organisation is set up now; ``required`` ones
  are what the control cannot work without.
* ``verification``: a check run when the report is made (the audit chain).
* ``finding``: a gap expacti knows it has (no MFA yet). Never hidden.
* ``figure``: context that does not change the status (latencies, counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ControlStatus(StrEnum):
    """What the evidence says about a control over the range."""

    EVIDENCED = "evidenced"
    PARTIAL = "partial"
    NO_ACTIVITY = "no activity in range"
    NOT_CONFIGURED = "not configured"
    EXCEPTION = "exception"


class EvidenceKind(StrEnum):
    """What sort of fact an evidence item is (module docstring)."""

    ACTIVITY = "activity"
    CONFIGURATION = "configuration"
    VERIFICATION = "verification"
    FINDING = "finding"
    FIGURE = "figure"


class ItemStatus(StrEnum):
    """What one item shows."""

    OK = "ok"
    NO_ACTIVITY = "no activity"
    NOT_CONFIGURED = "not configured"
    FAILED = "failed"
    FINDING = "finding"
    INFO = "info"


Figure = int | float | str | None


class EvidenceItem(BaseModel):
    """One figure behind a control."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    key: str
    label: str
    kind: EvidenceKind
    status: ItemStatus
    figure: Figure
    unit: str | None = None
    note: str | None = None
    required: bool = Field(default=False, exclude=True)


def activity(key: str, label: str, count: int, note: str | None = None) -> EvidenceItem:
    """A count of things that happened in the range."""
    return EvidenceItem(
        key=key,
        label=label,
        kind=EvidenceKind.ACTIVITY,
        status=ItemStatus.OK if count > 0 else ItemStatus.NO_ACTIVITY,
        figure=count,
        note=note,
    )


def configuration(
    key: str,
    label: str,
    figure: Figure,
    *,
    configured: bool,
    required: bool = False,
    note: str | None = None,
) -> EvidenceItem:
    """How the organisation is set up at the time of the report."""
    return EvidenceItem(
        key=key,
        label=label,
        kind=EvidenceKind.CONFIGURATION,
        status=ItemStatus.OK if configured else ItemStatus.NOT_CONFIGURED,
        figure=figure,
        note=note,
        required=required,
    )


def verification(key: str, label: str, figure: Figure, *, passed: bool, note: str) -> EvidenceItem:
    """A check made when the report was generated."""
    return EvidenceItem(
        key=key,
        label=label,
        kind=EvidenceKind.VERIFICATION,
        status=ItemStatus.OK if passed else ItemStatus.FAILED,
        figure=figure,
        note=note,
    )


def finding(key: str, label: str, figure: str, note: str) -> EvidenceItem:
    """A gap, stated as such."""
    return EvidenceItem(
        key=key,
        label=label,
        kind=EvidenceKind.FINDING,
        status=ItemStatus.FINDING,
        figure=figure,
        note=note,
    )


def figure(
    key: str, label: str, value: Figure, unit: str | None = None, note: str | None = None
) -> EvidenceItem:
    """Context for the reader; does not change a control's status."""
    return EvidenceItem(
        key=key,
        label=label,
        kind=EvidenceKind.FIGURE,
        status=ItemStatus.INFO,
        figure=value,
        unit=unit,
        note=note,
    )


def control_status(items: Sequence[EvidenceItem]) -> ControlStatus:
    """The status of a control, from its items, first rule that applies:

    1. a failed verification: ``exception``;
    2. every required configuration missing: ``not configured``;
    3. a finding, or some required configuration missing: ``partial``;
    4. activity items, all zero: ``no activity in range``;
    5. otherwise ``evidenced``.
    """
    if any(i.kind is EvidenceKind.VERIFICATION and i.status is ItemStatus.FAILED for i in items):
        return ControlStatus.EXCEPTION
    required = [i for i in items if i.kind is EvidenceKind.CONFIGURATION and i.required]
    missing = [i for i in required if i.status is ItemStatus.NOT_CONFIGURED]
    if required and len(missing) == len(required):
        return ControlStatus.NOT_CONFIGURED
    if missing or any(i.kind is EvidenceKind.FINDING for i in items):
        return ControlStatus.PARTIAL
    activities = [i for i in items if i.kind is EvidenceKind.ACTIVITY]
    if activities and all(i.status is ItemStatus.NO_ACTIVITY for i in activities):
        return ControlStatus.NO_ACTIVITY
    return ControlStatus.EVIDENCED
