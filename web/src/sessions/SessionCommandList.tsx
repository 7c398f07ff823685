import { Link } from "react-router";
import type { SessionCommand } from "../api";
import { StatusBadge } from "../history/StatusBadge";
import { STATUS_LABEL } from "../history/format";
import { InertText } from "../ui/InertText";
import "./sessions.css";

function isStatus(status: string): status is keyof typeof STATUS_LABEL {
  return status in STATUS_LABEL;
}

function decidedHow(item: SessionCommand): string | null {
  if (item.whitelisted) return "by a whitelist rule";
  if (item.reviewer) return `by ${item.reviewer}`;
  return null;
}

function SessionCommandItem({ item, steps }: { item: SessionCommand; steps: string[] }) {
  const how = decidedHow(item);
  const step = item.step !== null ? steps[item.step] : undefined;
  return (
    <li className="earlier__item">
      {isStatus(item.status) ? <StatusBadge status={item.status} /> : <span className="badge badge--neutral">{item.status}</span>}
      <Link className="cmd-link earlier__cmd" to={`/commands/${encodeURIComponent(item.id)}`}>
        <code>
          <InertText text={item.command} singleLine max={160} />
        </code>
      </Link>
      <span className="earlier__meta muted">
        {how}
        {item.edited && <span className="badge badge--neutral earlier__edited">Edited</span>}
        {step !== undefined && item.step !== null && (
          <>
            {" "}
            · step {item.step + 1}: <InertText text={step} singleLine max={60} />
          </>
        )}
      </span>
    </li>
  );
}

/** A session's commands with what became of each: the status, who decided, the step it served. */
export function SessionCommandList({ items, steps, label, id }: { items: SessionCommand[]; steps: string[]; label: string; id?: string }) {
  return (
    <ol id={id} className="earlier" aria-label={label}>
      {items.map((item) => (
        <SessionCommandItem key={item.id} item={item} steps={steps} />
      ))}
    </ol>
  );
}
