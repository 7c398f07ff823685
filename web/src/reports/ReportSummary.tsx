import type { ComplianceReport } from "../api";
import { formatDateTime } from "../history/format";
import { InertText } from "../ui/InertText";

type Control = ComplianceReport["controls"][number];
type Item = Control["evidence"][number];

/** A control's status as a shape, a word and a tone; colour only reinforces it. */
const CONTROL_STATUS: Record<string, [string, string]> = {
  evidenced: ["✓", "badge--approved"],
  partial: ["◐", "badge--warn"],
  "no activity in range": ["–", "badge--neutral"],
  "not configured": ["○", "badge--warn"],
  exception: ["✕", "badge--denied"],
};

const ITEM_STATUS: Record<string, string> = {
  ok: "✓",
  "no activity": "–",
  "not configured": "○",
  failed: "✕",
  finding: "!",
  info: "·",
};

export function ControlStatusBadge({ status }: { status: string }) {
  const [mark, tone] = CONTROL_STATUS[status] ?? ["?", "badge--neutral"];
  return (
    <span className={`badge ${tone}`}>
      <span aria-hidden="true">{mark}</span> {status}
    </span>
  );
}

function figure(item: Item): string {
  if (item.figure === null) return "—";
  const value = typeof item.figure === "number" ? item.figure.toLocaleString() : item.figure;
  return item.unit ? `${value} ${item.unit}` : value;
}

function EvidenceList({ items }: { items: Item[] }) {
  if (items.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="evidence">
      {items.map((item) => (
        <li key={item.key} className={`evidence__item evidence__item--${item.status.replace(/\s+/g, "-")}`}>
          <span aria-hidden="true" className="evidence__mark">
            {ITEM_STATUS[item.status] ?? "·"}
          </span>{" "}
          <InertText text={item.label} />: <strong>{figure(item)}</strong> <span className="muted">({item.status})</span>
          {item.note && (
            <span className="muted">
              {" "}
              — <InertText text={item.note} />
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

const FIGURES: [keyof ComplianceReport["summary"], string][] = [
  ["commands_submitted", "Commands submitted"],
  ["human_decisions", "Decided by a reviewer"],
  ["whitelisted", "Approved by a whitelist rule"],
  ["denied", "Denied"],
  ["timed_out", "Timed out"],
  ["cancelled", "Cancelled"],
  ["multi_party_commands", "Needed several approvers"],
  ["anomaly_events", "Anomalies flagged"],
  ["whitelist_changes", "Whitelist changes"],
  ["access_changes", "Access changes"],
];

/** The JSON report on screen: the period, the headline figures, and each control with its evidence. */
export function ReportSummary({ report }: { report: ComplianceReport }) {
  const { summary } = report;
  return (
    <section className="report-summary" aria-labelledby="report-summary-title">
      <h3 id="report-summary-title">
        {report.framework.name} — {report.org.name}, {report.range.first_day} to {report.range.last_day} (UTC)
      </h3>
      <p className="muted">
        Generated <time dateTime={report.generated_at}>{formatDateTime(report.generated_at)}</time> by{" "}
        <InertText text={report.generated_by} />.
      </p>
      {summary.note && <p className="notice">{summary.note}</p>}
      <dl className="report-summary__figures">
        {FIGURES.map(([key, label]) => (
          <div key={key} className="report-summary__figure">
            <dt>{label}</dt>
            <dd>{Number(summary[key]).toLocaleString()}</dd>
          </div>
        ))}
        <div className="report-summary__figure">
          <dt>Audit chain</dt>
          <dd>{summary.audit_chain_ok ? "✓ intact" : "✕ broken"}</dd>
        </div>
      </dl>
      {summary.findings.length > 0 && (
        <>
          <h4>Findings</h4>
          <ul className="report-summary__findings">
            {summary.findings.map((f, i) => (
              <li key={i}>
                <InertText text={f} />
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="report-summary__table-wrap">
        <table className="controls-table">
          <caption>
            Controls and their evidence (
            {Object.entries(summary.controls_by_status)
              .map(([status, n]) => `${n} ${status}`)
              .join(", ")}
            )
          </caption>
          <thead>
            <tr>
              <th scope="col">Control</th>
              <th scope="col">Status</th>
              <th scope="col">Evidence</th>
            </tr>
          </thead>
          <tbody>
            {report.controls.map((c) => (
              <tr key={c.id}>
                <th scope="row" className="controls-table__control">
                  <code>{c.id}</code> <InertText text={c.title} />
                  <span className="muted controls-table__what">
                    <InertText text={c.evidences} />
                  </span>
                </th>
                <td>
                  <ControlStatusBadge status={c.status} />
                </td>
                <td>
                  <EvidenceList items={c.evidence} />
                  {c.findings.length > 0 && (
                    <ul className="controls-table__findings">
                      {c.findings.map((f, i) => (
                        <li key={i}>
                          <span aria-hidden="true">!</span> <InertText text={f} />
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
