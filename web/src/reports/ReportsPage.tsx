import { useId, useState, type FormEvent } from "react";
import { asApiError, type ApiError, type ComplianceReport } from "../api";
import { mayReport, useRole } from "../auth/role";
import { saveBlob } from "../ui/download";
import { AuditChainSection } from "./AuditChainSection";
import { ReportSummary } from "./ReportSummary";
import {
  auditExportUrl,
  defaultRange,
  downloadReport,
  EXPORT_FORMATS,
  FRAMEWORKS,
  getComplianceSummary,
  rangeProblem,
  REPORT_FORMATS,
  type ExportFormat,
  type Framework,
  type ReportFormat,
} from "./reportsApi";
import "../history/history.css";
import "./reports.css";

type Run =
  | { status: "idle" }
  | { status: "working"; what: "download" | "preview" }
  | { status: "error"; error: ApiError }
  | { status: "saved"; filename: string };

type Summary = { status: "none" } | { status: "ready"; report: ComplianceReport };

/**
 * Compliance evidence for auditors: a SOC 2 or ISO 27001 report over a range
 * of days (PDF, CSV or JSON, with the JSON summary on screen), the audit hash
 * chain's verification, and the raw audit log for the same days.
 */
export function ReportsPage() {
  const { role } = useRole();
  const initial = defaultRange();
  const [framework, setFramework] = useState<Framework>("soc2");
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [format, setFormat] = useState<ReportFormat>("pdf");
  const [exportFormat, setExportFormat] = useState<ExportFormat>("jsonl");
  const [run, setRun] = useState<Run>({ status: "idle" });
  const [summary, setSummary] = useState<Summary>({ status: "none" });
  const [touched, setTouched] = useState(false);
  const ids = { framework: useId(), from: useId(), to: useId(), range: useId(), exportFormat: useId() };
  const problem = rangeProblem(from, to);
  const busy = run.status === "working";

  async function preview() {
    setTouched(true);
    if (problem) return;
    setRun({ status: "working", what: "preview" });
    try {
      const report = await getComplianceSummary({ framework, from, to });
      setSummary({ status: "ready", report });
      setRun({ status: "idle" });
    } catch (error) {
      setRun({ status: "error", error: asApiError(error) });
    }
  }

  async function download(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    setRun({ status: "working", what: "download" });
    try {
      const { blob, filename } = await downloadReport({ framework, from, to, format });
      saveBlob(blob, filename);
      // JSON is the summary itself: show it on screen too.
      if (format === "json") setSummary({ status: "ready", report: JSON.parse(await blob.text()) as ComplianceReport });
      setRun({ status: "saved", filename });
    } catch (error) {
      setRun({ status: "error", error: asApiError(error) });
    }
  }

  return (
    <div className="reports">
      <h1>Reports</h1>
      <p className="muted">Evidence for auditors: what the approval gate did over a period, and proof that its audit log is intact.</p>
      {!mayReport(role) && (
        <p className="notice">Reports, audit verification and exports are for admins and auditors; the server will refuse them for your role.</p>
      )}

      <section className="reports__card" aria-labelledby="report-title">
        <h2 id="report-title">Compliance report</h2>
        <form className="report-form" onSubmit={(e) => void download(e)} noValidate>
          <div className="report-form__field">
            <label className="field-label" htmlFor={ids.framework}>
              Framework
            </label>
            <select id={ids.framework} className="select" value={framework} onChange={(e) => setFramework(e.target.value as Framework)}>
              {FRAMEWORKS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          </div>
          <div className="report-form__field">
            <label className="field-label" htmlFor={ids.from}>
              From
            </label>
            <input
              id={ids.from}
              className="input"
              type="date"
              value={from}
              max={to || undefined}
              required
              aria-invalid={touched && problem !== null}
              aria-describedby={ids.range}
              onChange={(e) => setFrom(e.target.value)}
            />
          </div>
          <div className="report-form__field">
            <label className="field-label" htmlFor={ids.to}>
              To
            </label>
            <input
              id={ids.to}
              className="input"
              type="date"
              value={to}
              min={from || undefined}
              required
              aria-invalid={touched && problem !== null}
              aria-describedby={ids.range}
              onChange={(e) => setTo(e.target.value)}
            />
          </div>
          <fieldset className="report-form__formats">
            <legend className="field-label">Format</legend>
            {REPORT_FORMATS.map((f) => (
              <label key={f.value} className="report-form__radio">
                <input type="radio" name="report-format" value={f.value} checked={format === f.value} onChange={() => setFormat(f.value)} />{" "}
                {f.label}
              </label>
            ))}
          </fieldset>
          <p id={ids.range} className={touched && problem ? "error-text report-form__hint" : "muted report-form__hint"} role={touched && problem ? "alert" : undefined}>
            {touched && problem ? problem : "Days are UTC; both are included."}
          </p>
          <div className="report-form__actions">
            <button type="submit" className="btn btn--primary" disabled={busy}>
              {run.status === "working" && run.what === "download" ? "Preparing…" : "Download report"}
            </button>
            <button type="button" className="btn" disabled={busy} onClick={() => void preview()}>
              {run.status === "working" && run.what === "preview" ? "Loading…" : "Show summary"}
            </button>
          </div>
        </form>
        <div aria-live="polite">
          {run.status === "saved" && (
            <p role="status" className="notice notice--ok">
              Saved <code>{run.filename}</code>.
            </p>
          )}
        </div>
        {run.status === "error" && (
          <p role="alert" className="notice notice--error">
            Could not produce the report: {run.error.message}
          </p>
        )}
        {summary.status === "ready" && <ReportSummary report={summary.report} />}
      </section>

      <AuditChainSection />

      <section className="reports__card" aria-labelledby="export-title">
        <h2 id="export-title">Audit log export</h2>
        <p className="muted">
          Every audit record from {from || "…"} to {to || "…"} (the report’s days, UTC, both included), with its sequence number and hashes, so the chain can be
          checked outside expacti.
        </p>
        <div className="report-form__row">
          <label className="field-label" htmlFor={ids.exportFormat}>
            Export format
          </label>
          <select
            id={ids.exportFormat}
            className="select select--small"
            value={exportFormat}
            onChange={(e) => setExportFormat(e.target.value as ExportFormat)}
          >
            {EXPORT_FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
          {problem ? (
            <span className="muted">{problem}</span>
          ) : (
            <a className="btn" href={auditExportUrl(exportFormat, from, to)} download>
              Export audit log
            </a>
          )}
        </div>
      </section>
    </div>
  );
}
