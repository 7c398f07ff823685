"""The audit hash chain, verified when the report is generated."""

from __future__ import annotations

from typing import Final

from expacti_server.audit.chain import verify_chain
from expacti_server.audit.views import ChainBreakView
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.reports.sections.models import AuditChainSection

CHAIN_SCOPE: Final = (
    "the organisation's whole audit chain, from its first record to its head, not only the "
    "records in the range: a break anywhere undermines every later record"
)


async def audit_chain_section(
    database: Database, *, org_id: str, events_in_range: int
) -> AuditChainSection:
    """Walk the org's chain (a batch at a time, bounded memory) and report what was found."""
    result = await verify_chain(database, org_id=org_id)
    brk = result.first_break
    return AuditChainSection(
        ok=result.ok,
        records=result.records,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        first_break=None
        if brk is None
        else ChainBreakView(
            seq=brk.seq, record_id=brk.record_id, kind=brk.kind, message=brk.message
        ),
        verified_at=utcnow(),
        events_in_range=events_in_range,
        scope=CHAIN_SCOPE,
    )
