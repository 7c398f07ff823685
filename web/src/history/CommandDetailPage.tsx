import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { api, asApiError, call, type ApiError, type AuditTrail, type CommandView } from "../api";
import { useCommandReading } from "../encryption/KeyringProvider";
import { approveBlockedReason, unreadableText, type CommandReading } from "../encryption/reading";
import { AuditTimeline } from "./AuditTimeline";
import { CommandFacts } from "./CommandFacts";
import { DecisionActions } from "./DecisionActions";
import { InertText } from "../ui/InertText";
import { StatusBadge } from "./StatusBadge";
import { mayDecide, READ_ONLY_TEXT, useRole } from "../auth/role";
import { approvalsText } from "../queue/requirement";
import "./history.css";

type CommandLoad =
  | { status: "loading" }
  | { status: "missing" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; command: CommandView };

type TrailLoad = { status: "loading" } | { status: "error"; error: ApiError } | { status: "ready"; trail: AuditTrail };

/** One command in full: text, parse, context, decision and its audit trail. */
export function CommandDetailPage() {
  const { id = "" } = useParams();
  const [load, setLoad] = useState<CommandLoad>({ status: "loading" });
  const [trail, setTrail] = useState<TrailLoad>({ status: "loading" });
  const [version, setVersion] = useState(0);
  // What the last Approve/Deny here led to; outlives the buttons, which go once the command is decided.
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const reading = useCommandReading(load.status === "ready" ? load.command : null);
  const readOnly = !mayDecide(useRole().role);

  useEffect(() => {
    const controller = new AbortController();
    const params = { path: { command_id: id } };
    call(api.GET("/api/v1/commands/{command_id}", { params, signal: controller.signal }))
      .then((command) => setLoad({ status: "ready", command }))
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const err = asApiError(error);
        setLoad(err.status === 404 ? { status: "missing" } : { status: "error", error: err });
      });
    call(api.GET("/api/v1/commands/{command_id}/audit", { params, signal: controller.signal }))
      .then((items) => setTrail({ status: "ready", trail: items }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setTrail({ status: "error", error: asApiError(error) });
      });
    return () => controller.abort();
  }, [id, version]);

  // A new id is a new page: drop what the previous one showed.
  useEffect(() => {
    setLoad({ status: "loading" });
    setTrail({ status: "loading" });
    setOutcome(null);
  }, [id]);

  const reload = useCallback(() => setVersion((n) => n + 1), []);

  if (load.status === "loading") {
    return (
      <p role="status" className="state-msg">
        Loading command…
      </p>
    );
  }
  if (load.status === "missing") {
    return (
      <div className="state-msg empty">
        <h1 className="empty__title">No such command</h1>
        <p className="muted">
          There is no command <code>{id}</code> in your organisation. It may have been mistyped, or belong to another
          organisation.
        </p>
        <Link to="/history" className="btn">
          Back to history
        </Link>
      </div>
    );
  }
  if (load.status === "error") {
    return (
      <div className="state-msg state-msg--error">
        <h1 className="empty__title">Command {id}</h1>
        <p role="alert">Could not load this command: {load.error.message}</p>
        <button type="button" className="btn" onClick={reload}>
          Try again
        </button>
      </div>
    );
  }

  const { command } = load;
  return (
    <article className="detail" aria-labelledby="detail-title">
      <Link to="/history" className="detail__back">
        ← History
      </Link>
      <div className="detail__head">
        <h1 id="detail-title">Command</h1>
        <StatusBadge status={command.status} />
        <code className="muted">{command.id}</code>
      </div>

      <section aria-labelledby="detail-text">
        <h2 id="detail-text">Command text</h2>
        {command.encrypted ? (
          <EncryptedText command={command} reading={reading} />
        ) : command.edited && command.approved_command !== null ? (
          <>
            <p className="meta-label">
              <span className="badge badge--lock">Edited</span> what the agent {command.status === "pending" ? "will run" : "was told to run"}
            </p>
            <pre className="cmd-full">
              <InertText text={command.approved_command} />
            </pre>
            <p className="meta-label">Original, as the agent sent it</p>
            <pre className="cmd-full detail__original">
              <InertText text={command.command} />
            </pre>
          </>
        ) : (
          <pre className="cmd-full">
            <InertText text={command.command} />
          </pre>
        )}
      </section>

      {command.status === "pending" && (
        <section aria-labelledby="detail-decide">
          <h2 id="detail-decide">Decide</h2>
          {readOnly ? (
            <p className="notice">{READ_ONLY_TEXT}</p>
          ) : (
            <DecisionActions
              command={command}
              approveBlocked={approveBlockedReason(reading)}
              onDecided={(updated) => {
                setLoad({ status: "ready", command: updated });
                const text =
                  updated.status === "pending"
                    ? `Your vote is counted: ${approvalsText(updated)}.`
                    : `You ${updated.status === "approved" ? "approved" : "denied"} this command.`;
                setOutcome({ ok: true, text });
                reload();
              }}
              onConflict={(text) => {
                setOutcome({ ok: false, text });
                reload();
              }}
            />
          )}
        </section>
      )}
      {outcome?.ok && (
        <p role="status" className="notice notice--ok">
          {outcome.text}
        </p>
      )}
      {outcome && !outcome.ok && (
        <p role="alert" className="notice notice--error">
          {outcome.text}
        </p>
      )}

      {command.recording_id && (
        <section aria-labelledby="detail-recording">
          <h2 id="detail-recording">Terminal recording</h2>
          <p>
            <Link to={`/recordings/${encodeURIComponent(command.recording_id)}?command=${encodeURIComponent(command.id)}`}>
              Watch what it printed
            </Link>{" "}
            <span className="muted">
              in recording <code>{command.recording_id}</code>
            </span>
          </p>
        </section>
      )}

      <CommandFacts command={command} />

      <section aria-labelledby="detail-audit">
        <h2 id="detail-audit">Audit trail</h2>
        {trail.status === "loading" && <p role="status">Loading audit trail…</p>}
        {trail.status === "error" && (
          <div>
            <p role="alert" className="error-text">
              Could not load the audit trail: {trail.error.message}
            </p>
            <button type="button" className="btn btn--small" onClick={reload}>
              Try again
            </button>
          </div>
        )}
        {trail.status === "ready" && <AuditTimeline trail={trail.trail} createdAt={command.created_at} />}
      </section>
    </article>
  );
}

/** An end-to-end encrypted command: decrypted here when this browser holds a key it was encrypted for. */
function EncryptedText({ command, reading }: { command: CommandView; reading: CommandReading }) {
  return (
    <>
      <p className="detail__encrypted">
        <span className="badge badge--lock">End-to-end encrypted</span>{" "}
        <span className="muted">
          Agent’s label: <InertText text={command.command} singleLine max={200} />
        </span>
      </p>
      {reading.state === "readable" && (
        <pre className="cmd-full">
          <InertText text={reading.text} />
        </pre>
      )}
      {reading.state === "decrypting" && <p role="status">Decrypting…</p>}
      {reading.state === "unreadable" && <p className="notice notice--error">{unreadableText(reading)}</p>}
    </>
  );
}
