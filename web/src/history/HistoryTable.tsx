import { Link, useNavigate } from "react-router";
import type { CommandView } from "../api";
import { decidedBy, formatDateTime, formatDuration, formatShortDateTime } from "./format";
import { InertText } from "../ui/InertText";
import { RiskScore, StatusBadge } from "./StatusBadge";

// A row shows one line; the detail page has the rest. Rendering a 64 KiB
// command into every row would only cost layout time.
const PREVIEW_CHARS = 240;

function DecidedBy({ command }: { command: CommandView }) {
  const who = decidedBy(command);
  if (who === null) return <span className="muted">—</span>;
  if (command.whitelisted || (!command.reviewer && who === "system")) return <span className="muted">{who}</span>;
  return <>{who}</>;
}

export function HistoryTable({ items }: { items: CommandView[] }) {
  const navigate = useNavigate();
  return (
    <table className="history-table">
      <caption className="visually-hidden">Commands, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Command</th>
          <th scope="col">Status</th>
          <th scope="col">Agent</th>
          <th scope="col">Target</th>
          <th scope="col">Risk</th>
          <th scope="col">Decided by</th>
          <th scope="col">Submitted</th>
          <th scope="col">Latency</th>
        </tr>
      </thead>
      <tbody>
        {items.map((c) => (
          <tr
            key={c.id}
            // Mouse convenience only: the link in the first cell is the keyboard path.
            onClick={(e) => {
              if ((e.target as HTMLElement).closest("a") || window.getSelection()?.toString()) return;
              void navigate(`/commands/${encodeURIComponent(c.id)}`);
            }}
          >
            <td className="history-table__cmd" data-label="Command">
              <Link to={`/commands/${encodeURIComponent(c.id)}`} className="cmd-link">
                {/* An encrypted command's text is only the agent's label; say so before it is read as the command. */}
                {c.encrypted ? <span className="badge badge--neutral">Encrypted</span> : null}{" "}
                <code>
                  <InertText text={c.command} singleLine max={PREVIEW_CHARS} />
                </code>
              </Link>
            </td>
            <td data-label="Status">
              <StatusBadge status={c.status} />
            </td>
            <td data-label="Agent">{c.agent.name}</td>
            <td data-label="Target">{c.target ?? <span className="muted">—</span>}</td>
            <td data-label="Risk">
              <RiskScore score={c.risk_score} />
            </td>
            <td data-label="Decided by">
              <DecidedBy command={c} />
            </td>
            <td data-label="Submitted">
              <time dateTime={c.created_at} title={formatDateTime(c.created_at)}>
                {formatShortDateTime(c.created_at)}
              </time>
            </td>
            <td data-label="Latency">{formatDuration(c.latency_ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
