import { useState } from "react";
import { asApiError, type ApiError, type ChainVerification } from "../api";
import { formatDateTime } from "../history/format";
import { verifyAuditChain } from "./reportsApi";

type Check = { status: "idle" } | { status: "checking" } | { status: "error"; error: ApiError } | { status: "done"; result: ChainVerification };

/** What each kind of break means, in a reviewer's words. */
const BREAK_KIND: Record<string, string> = {
  edited: "a record was changed after it was written",
  missing: "a record is missing",
  out_of_order: "records are out of order",
  broken_link: "a record does not link to the one before it",
  truncated: "records were cut off the end of the log",
};

export function breakKindText(kind: string): string {
  return BREAK_KIND[kind] ?? kind;
}

/** Verify the organisation's audit hash chain on the server and show what it found. */
export function AuditChainSection() {
  const [check, setCheck] = useState<Check>({ status: "idle" });

  async function verify() {
    setCheck({ status: "checking" });
    try {
      setCheck({ status: "done", result: await verifyAuditChain() });
    } catch (error) {
      setCheck({ status: "error", error: asApiError(error) });
    }
  }

  return (
    <section className="reports__card" aria-labelledby="chain-title">
      <h2 id="chain-title">Audit chain</h2>
      <p className="muted">
        Each audit record carries the hash of the one before it. Verifying recomputes every hash, so an edited, deleted, reordered or cut-off
        record shows up. Keep the head hash somewhere else to compare later.
      </p>
      <button type="button" className="btn btn--primary" onClick={() => void verify()} disabled={check.status === "checking"}>
        {check.status === "checking" ? "Verifying…" : "Verify audit chain"}
      </button>
      <div aria-live="polite" className="chain-result-slot">
        {check.status === "checking" && <p role="status">Checking every record…</p>}
        {check.status === "done" && <ChainResult result={check.result} />}
      </div>
      {check.status === "error" && (
        <p role="alert" className="notice notice--error">
          Could not verify the audit chain: {check.error.message}
        </p>
      )}
    </section>
  );
}

export function ChainResult({ result }: { result: ChainVerification }) {
  const brk = result.first_break;
  return (
    <div className={`chain-result ${result.ok ? "chain-result--ok" : "chain-result--broken"}`}>
      <p className="chain-result__verdict">
        {result.ok ? (
          <>
            <span aria-hidden="true">✓</span> The audit chain is intact.
          </>
        ) : (
          <>
            <span aria-hidden="true">✕</span> The audit chain is broken.
          </>
        )}
      </p>
      <dl className="facts">
        <dt>Records checked</dt>
        <dd>{result.records.toLocaleString()}</dd>
        <dt>Head</dt>
        <dd>{result.head_seq > 0 ? `record ${result.head_seq.toLocaleString()}` : <span className="muted">no records yet</span>}</dd>
        <dt>Head hash</dt>
        <dd>{result.head_hash ? <code className="chain-result__hash">{result.head_hash}</code> : <span className="muted">none</span>}</dd>
        {brk && (
          <>
            <dt>First break</dt>
            <dd>
              record {brk.seq.toLocaleString()}
              {brk.record_id !== null && <span className="muted"> (id {brk.record_id})</span>}: {breakKindText(brk.kind)}{" "}
              <code className="muted">{brk.kind}</code>
            </dd>
            <dt>Details</dt>
            <dd>{brk.message}</dd>
          </>
        )}
        <dt>Checked</dt>
        <dd>
          <time dateTime={result.verified_at}>{formatDateTime(result.verified_at)}</time>
        </dd>
      </dl>
    </div>
  );
}
