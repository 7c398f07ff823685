import { useId, useState } from "react";
import { Link } from "react-router";
import type { CommandView } from "../api";
import { SessionCommandList } from "../sessions/SessionCommandList";
import { SessionSteps } from "./SessionSteps";
import { useAgentSession } from "./useAgentSession";

/** The session's commands before this one and what became of them, loaded when opened. */
function EarlierCommands({ command, id }: { command: CommandView; id: string }) {
  const load = useAgentSession(command.session_id, true);
  if (load.status === "idle" || (load.status === "loading" && !load.detail)) {
    return (
      <p id={id} className="earlier muted" role="status">
        Loading the session…
      </p>
    );
  }
  if (load.status === "error" && !load.detail) {
    return (
      <p id={id} className="earlier error-text" role="alert">
        Could not load the session: {load.error.message}{" "}
        <button type="button" className="btn btn--ghost btn--small" onClick={load.retry}>
          Try again
        </button>
      </p>
    );
  }
  const detail = load.detail!;
  const submitted = Date.parse(command.created_at);
  const earlier = detail.items.filter((item) => item.id !== command.id && !(Date.parse(item.created_at) > submitted));
  if (earlier.length === 0) {
    return (
      <p id={id} className="earlier muted">
        This is the first command of the session.
      </p>
    );
  }
  return (
    <div id={id} className="earlier__wrap">
      <SessionCommandList items={earlier} steps={detail.steps} label="Earlier commands in this session" />
      <Link className="earlier__all" to={`/sessions/${encodeURIComponent(detail.id)}`}>
        The whole session
      </Link>
    </div>
  );
}

/**
 * The agent's session: its goal and plan with the current step marked, and,
 * on request, the session's earlier commands with their decisions.
 */
export function SessionPanel({ command }: { command: CommandView }) {
  const [open, setOpen] = useState(false);
  const listId = useId();
  if (!command.session && !command.session_id) return null;
  return (
    <div className="session">
      {command.session && <SessionSteps session={command.session} />}
      {command.session_id && (
        <>
          <button
            type="button"
            className="btn btn--ghost btn--small session__toggle"
            aria-expanded={open}
            aria-controls={open ? listId : undefined}
            onClick={() => setOpen((v) => !v)}
          >
            <span aria-hidden="true">{open ? "▾" : "▸"}</span> Earlier commands in this session
          </button>
          {open && <EarlierCommands command={command} id={listId} />}
        </>
      )}
    </div>
  );
}
