"""CSV and PDF renderings of a report built from known figures."""

from __future__ import annotations

import csv
import io
import subprocess

import pytest

from expacti_server.reports.csv_export import COLUMNS, render_csv
from expacti_server.reports.pdf import render_pdf
from expacti_server.reports.schemas import ComplianceReport
from expacti_server.reports.sections.models import ActorCount
from tests.reports import sample

CHART_TITLES = ["Decisions per day", "Review latency distribution", "Risk mix"]


def pdf_text(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


def test_csv_has_one_row_per_control_evidence_item() -> None:
    report = sample.report("soc2")
    rows = list(csv.reader(io.StringIO(render_csv(report))))
    assert tuple(rows[0]) == COLUMNS
    assert rows[0][:5] == ["control_id", "title", "status", "evidence", "figure"]
    assert len(rows) - 1 == sum(len(c.evidence) for c in report.controls)
    by_key = {(r[0], r[-1]): dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]}
    mfa = by_key[("CC6.1", "auth.mfa")]
    assert (mfa["title"], mfa["status"], mfa["figure"], mfa["evidence_status"]) == (
        "Logical access security",
        "partial",
        "not enforced",
        "finding",
    )
    latency = by_key[("CC8.1", "decisions.latency_p95")]
    assert (latency["figure"], latency["unit"]) == ("45000.5", "ms")
    assert by_key[("CC8.1", "decisions.submitted")]["figure"] == "8"


def test_csv_cells_never_start_a_spreadsheet_formula() -> None:
    report = sample.report("soc2")
    whitelist = report.sections.whitelist.model_copy(
        update={"by_actor": [ActorCount(actor="=HYPERLINK(1)", actor_type="reviewer", changes=1)]}
    )
    tainted = sample.report("soc2", whitelist=whitelist)
    rows = list(csv.reader(io.StringIO(render_csv(tainted))))
    [changed_by] = [r for r in rows if r[-1] == "whitelist.changed_by"]
    assert changed_by[4] == "'=HYPERLINK(1) (1)"


def test_empty_latency_figures_are_blank_in_csv() -> None:
    rows = list(csv.reader(io.StringIO(render_csv(sample.report("soc2", active=False)))))
    [median] = [r for r in rows if r[-1] == "decisions.latency_median"]
    assert median[4] == ""
    assert median[7] == "no human decisions in the range"


@pytest.mark.parametrize("framework", ["soc2", "iso27001"])
def test_pdf_has_a_title_page_every_control_and_the_charts(framework: str) -> None:
    report = sample.report(framework, org="Acme <Ops> & Co")  # type: ignore[arg-type]
    content = render_pdf(report)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "expacti compliance report" in text
    assert "Acme <Ops> & Co" in text
    assert report.framework.name in text
    assert "2026-11-01 to 2026-11-21" in text
    assert "verified: 120 records, head seq 120" in text
    for control in report.controls:
        assert f"{control.id} {control.title}" in " ".join(text.split())
    for title in CHART_TITLES:
        assert title in text
    assert "not enforced: expacti has no MFA for reviewers yet" in text
    assert "two <person> & deploys" in text
    pages = text.count("\f")
    assert f"Page {pages} of {pages}" in text


def test_pdf_of_an_empty_range_says_so_and_still_draws_every_chart_title() -> None:
    text = pdf_text(render_pdf(sample.report("soc2", active=False)))
    assert "Empty range." in text
    for title in CHART_TITLES:
        assert title in text
    assert "No commands in this range." in text
    assert "No human decisions in this range." in text


def test_pdf_of_a_broken_chain_says_broken_on_the_title_page() -> None:
    report: ComplianceReport = sample.report("iso27001", audit_chain=sample.BROKEN_CHAIN)
    first_page = pdf_text(render_pdf(report)).split("\f")[0]
    assert "BROKEN: record 58 changed" in first_page


def test_pdf_of_the_longest_range_renders() -> None:
    report = sample.report("soc2", days=366)
    assert report.range.days == 366
    text = pdf_text(render_pdf(report))
    assert "Decisions per day" in text
