import type { ReactNode } from "react";
import { Link } from "react-router";
import type { CommandView } from "../api";
import { formatDateTime, formatDuration } from "./format";
import { InertText } from "../ui/InertText";
import { RiskScore } from "./StatusBadge";
import { AnomalyBadge } from "../ui/AnomalyBadge";
import { isRoutine } from "../queue/requirement";

function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

function Votes({ command }: { command: CommandView }) {
  if (command.votes.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="parts">
      {command.votes.map((v) => (
        <li key={`${v.reviewer}-${v.at}`}>
          {v.vote === "approve" ? "✓ approved" : "✕ voted to deny"} by <InertText text={v.reviewer} />{" "}
          <span className="muted">
            ({v.role}, <time dateTime={v.at}>{formatDateTime(v.at)}</time>)
          </span>
          {v.note && (
            <>
              {" "}
              — <InertText text={v.note} />
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Who had to decide, when that was more than any one reviewer. */
function Requirement({ command }: { command: CommandView }) {
  if (isRoutine(command.requirement) && command.votes.length === 0) return null;
  return (
    <>
      <dt>Needed</dt>
      <dd>
        {command.approvals} of {command.requirement.required} approvals ({command.requirement.mode}) by{" "}
        {command.requirement.min_role} or above <span className="muted">— {command.requirement.reason}</span>
      </dd>
      <dt>Votes</dt>
      <dd>
        <Votes command={command} />
      </dd>
      {command.escalated_at && (
        <>
          <dt>Escalated</dt>
          <dd>
            <time dateTime={command.escalated_at}>{formatDateTime(command.escalated_at)}</time>
          </dd>
        </>
      )}
    </>
  );
}

function Decision({ command }: { command: CommandView }) {
  if (command.status === "pending") {
    return (
      <>
        <p>
          Waiting for a reviewer. Times out at <time dateTime={command.expires_at}>{formatDateTime(command.expires_at)}</time>.
        </p>
        <dl className="facts">
          <Requirement command={command} />
        </dl>
      </>
    );
  }
  let who: ReactNode;
  if (command.whitelisted) {
    who = command.rule_id ? (
      <>
        whitelist rule{" "}
        <Link to={`/whitelist?rule=${encodeURIComponent(command.rule_id)}`}>
          <code>{command.rule_id}</code>
        </Link>
      </>
    ) : (
      "a whitelist rule"
    );
  } else {
    who = command.reviewer ?? <span className="muted">the system</span>;
  }
  return (
    <dl className="facts">
      <dt>Decided by</dt>
      <dd>{who}</dd>
      <dt>When</dt>
      <dd>{command.decided_at ? <time dateTime={command.decided_at}>{formatDateTime(command.decided_at)}</time> : "—"}</dd>
      <dt>Latency</dt>
      <dd>{formatDuration(command.latency_ms)}</dd>
      <dt>Note</dt>
      <dd>{command.notes ? <InertText text={command.notes} /> : <span className="muted">none</span>}</dd>
      {command.decision && command.decision.approvers.length > 1 && (
        <>
          <dt>Approved by</dt>
          <dd>{command.decision.approvers.join(", ")}</dd>
        </>
      )}
      {command.edited && (
        <>
          <dt>Edited</dt>
          <dd>yes: the agent was told to run the edited text shown above</dd>
        </>
      )}
      <Requirement command={command} />
    </dl>
  );
}

function Session({ session }: { session: NonNullable<CommandView["session"]> }) {
  const steps = session.steps ?? [];
  // current_step indexes `steps` (0-based, like the array it points into).
  const current = session.current_step;
  return (
    <dl className="facts">
      <dt>Session</dt>
      <dd>
        <code>
          <InertText text={session.id} />
        </code>
      </dd>
      {session.goal && (
        <>
          <dt>Goal</dt>
          <dd>
            <InertText text={session.goal} />
          </dd>
        </>
      )}
      {steps.length > 0 && (
        <>
          <dt>Steps</dt>
          <dd>
            <ol className="parts steps">
              {steps.map((step, i) => (
                <li key={i} className={i === current ? "current" : undefined} aria-current={i === current ? "step" : undefined}>
                  <InertText text={step} />
                  {i === current && <span className="muted"> (current)</span>}
                </li>
              ))}
            </ol>
          </dd>
        </>
      )}
      {current !== null && (current < 0 || current >= steps.length) && (
        <>
          <dt>Current step</dt>
          <dd>{current}</dd>
        </>
      )}
    </dl>
  );
}

/** Everything known about a command besides its text and its audit trail. */
export function CommandFacts({ command }: { command: CommandView }) {
  return (
    <>
      <section aria-labelledby="facts-overview">
        <h2 id="facts-overview">Overview</h2>
        <dl className="facts">
          <dt>Agent</dt>
          <dd>
            <InertText text={command.agent.name} /> <code className="muted">{command.agent.id}</code>
          </dd>
          <dt>Target</dt>
          <dd>{command.target ? <InertText text={command.target} /> : <span className="muted">none given</span>}</dd>
          <dt>Submitted</dt>
          <dd>
            <time dateTime={command.created_at}>{formatDateTime(command.created_at)}</time>
          </dd>
          <dt>Risk score</dt>
          <dd>
            <RiskScore score={command.risk_score} />
          </dd>
          <dt>Anomalies</dt>
          <dd>
            {command.anomalies.length === 0 ? (
              <span className="muted">none</span>
            ) : (
              <ul className="anomalies">
                {command.anomalies.map((a) => (
                  <AnomalyBadge key={a} id={a} as="li" />
                ))}
              </ul>
            )}
          </dd>
          <dt>Request id</dt>
          <dd>
            <code>
              <InertText text={command.request_id} />
            </code>
          </dd>
        </dl>
      </section>

      <section aria-labelledby="facts-decision">
        <h2 id="facts-decision">Decision</h2>
        <Decision command={command} />
      </section>

      <section aria-labelledby="facts-parts">
        <h2 id="facts-parts">Parsed parts</h2>
        {command.parts.length === 0 ? (
          <p className="muted">The shell grammar found no simple commands (or could not parse this one).</p>
        ) : (
          <ol className="parts">
            {command.parts.map((part, i) => (
              <li key={i}>
                <code>
                  <InertText text={part} />
                </code>
              </li>
            ))}
          </ol>
        )}
      </section>

      {command.session && (
        <section aria-labelledby="facts-session">
          <h2 id="facts-session">Agent session</h2>
          <Session session={command.session} />
        </section>
      )}

      <section aria-labelledby="facts-context">
        <h2 id="facts-context">Context</h2>
        {command.context === null || command.context === undefined ? (
          <p className="muted">The agent sent no context.</p>
        ) : (
          <pre className="json-block">
            <InertText text={prettyJson(command.context)} />
          </pre>
        )}
      </section>
    </>
  );
}
