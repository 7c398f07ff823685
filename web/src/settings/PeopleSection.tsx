import { useEffect, useState } from "react";
import { asApiError, type AgentView, type ApiError, type PolicyUnsatisfiableDetails, type ReviewerRole, type ReviewerView } from "../api";
import { ROLE_LABEL } from "../auth/role";
import { InertText } from "../ui/InertText";
import { listAgents, listReviewers, setAgentOwner, setReviewerRole } from "./settingsApi";

type Load =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; reviewers: ReviewerView[]; agents: AgentView[] };

const ROLES: readonly ReviewerRole[] = ["auditor", "reviewer", "senior", "admin"];
const ROLE_HINT: Record<ReviewerRole, string> = {
  auditor: "reads everything, decides nothing",
  reviewer: "decides routine commands",
  senior: "also decides high-risk commands",
  admin: "decides anything, changes policy and roles",
};

function roleErrorText(error: ApiError): string {
  if (error.code === "policy_unsatisfiable") {
    const d = error.detailsAs<PolicyUnsatisfiableDetails>();
    if (d.policy) return `Not changed: policy “${d.policy}” needs ${d.required} approvers and would be left with ${d.eligible}.`;
  }
  return `Not changed: ${error.message}`;
}

function OnlineDot({ online }: { online: boolean }) {
  return (
    <span className={`presence presence--${online ? "on" : "off"}`} title={online ? "Has the app open now" : "Not online"}>
      <span className="presence__dot" aria-hidden="true" />
      <span className="visually-hidden">{online ? "online" : "offline"}</span>
    </span>
  );
}

/**
 * Reviewers with their roles and who is online, and agents with the reviewer
 * linked to each (who may then not approve its commands). Admins change both.
 */
export function PeopleSection({ editable, onChanged }: { editable: boolean; onChanged?(): void }) {
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [busy, setBusy] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [flash, setFlash] = useState("");
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    Promise.all([listReviewers(controller.signal), listAgents(controller.signal)])
      .then(([reviewers, agents]) => setLoad({ status: "ready", reviewers, agents }))
      .catch((error: unknown) => !controller.signal.aborted && setLoad({ status: "error", error: asApiError(error) }));
    return () => controller.abort();
  }, [attempt]);

  async function change<T>(key: string, request: () => Promise<T>, apply: (value: T) => void, done: string, failed: (e: ApiError) => string) {
    setBusy(key);
    setFlash("");
    setErrors(({ [key]: _, ...rest }) => rest);
    try {
      apply(await request());
      setFlash(done);
      // A role or a link changes more than its row (who owns which agent, eligible counts): read all again.
      setAttempt((n) => n + 1);
      onChanged?.();
    } catch (error) {
      setErrors((e) => ({ ...e, [key]: failed(asApiError(error)) }));
    } finally {
      setBusy(null);
    }
  }

  if (load.status !== "ready") {
    return (
      <section className="settings__card" aria-labelledby="settings-people">
        <h2 id="settings-people">People</h2>
        {load.status === "loading" && <p className="muted">Loading reviewers and agents…</p>}
        {load.status === "error" && (
          <p role="alert" className="notice notice--error">
            Could not load reviewers and agents: {load.error.message}{" "}
            <button type="button" className="btn btn--small" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          </p>
        )}
      </section>
    );
  }

  const { reviewers, agents } = load;
  const setRole = (reviewer: ReviewerView, role: ReviewerRole) =>
    change(
      reviewer.id,
      () => setReviewerRole(reviewer.id, role),
      (updated) => setLoad((prev) => (prev.status === "ready" ? { ...prev, reviewers: prev.reviewers.map((r) => (r.id === updated.id ? updated : r)) } : prev)),
      `${reviewer.name} is now ${ROLE_LABEL[role].toLowerCase()}.`,
      roleErrorText,
    );
  const setOwner = (agent: AgentView, owner: string | null) =>
    change(
      agent.id,
      () => setAgentOwner(agent.id, owner),
      (updated) => setLoad((prev) => (prev.status === "ready" ? { ...prev, agents: prev.agents.map((a) => (a.id === updated.id ? updated : a)) } : prev)),
      updatedOwnerText(agent, owner, reviewers),
      (e) => `Not changed: ${e.message}`,
    );

  return (
    <section className="settings__card" aria-labelledby="settings-people">
      <h2 id="settings-people">People</h2>
      <p role="status" className="timeout__saved">
        {flash}
      </p>

      <h3 className="settings__subtitle">Reviewers</h3>
      <ul className="people">
        {reviewers.map((r) => (
          <li key={r.id} className="person">
            <OnlineDot online={r.online} />
            <span className="person__name">
              <InertText text={r.name} />
            </span>
            {editable ? (
              <select
                className="select select--small"
                aria-label={`Role of ${r.name}`}
                value={r.role}
                disabled={busy === r.id}
                onChange={(e) => void setRole(r, e.target.value as ReviewerRole)}
              >
                {ROLES.map((role) => (
                  <option key={role} value={role}>
                    {ROLE_LABEL[role]} — {ROLE_HINT[role]}
                  </option>
                ))}
              </select>
            ) : (
              <span className="badge badge--neutral">{ROLE_LABEL[r.role]}</span>
            )}
            {r.owns_agents.length > 0 && (
              <span className="person__owns muted">linked to {r.owns_agents.join(", ")}</span>
            )}
            {errors[r.id] && (
              <p role="alert" className="notice notice--error person__error">
                {errors[r.id]}
              </p>
            )}
          </li>
        ))}
      </ul>

      <h3 className="settings__subtitle">Agents</h3>
      <p className="muted">
        The reviewer linked to an agent answers for it, and so may not approve its commands (separation of duties).
      </p>
      {agents.length === 0 && <p className="muted">No agents yet.</p>}
      <ul className="people">
        {agents.map((a) => (
          <li key={a.id} className="person">
            <span className="person__name">
              <InertText text={a.name} />
            </span>
            {editable ? (
              <select
                className="select select--small"
                aria-label={`Reviewer linked to ${a.name}`}
                value={a.owner_reviewer_id ?? ""}
                disabled={busy === a.id}
                onChange={(e) => void setOwner(a, e.target.value || null)}
              >
                <option value="">Nobody</option>
                {reviewers.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </select>
            ) : (
              <span className="muted">{a.owner ? `linked to ${a.owner}` : "linked to nobody"}</span>
            )}
            {errors[a.id] && (
              <p role="alert" className="notice notice--error person__error">
                {errors[a.id]}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function updatedOwnerText(agent: AgentView, owner: string | null, reviewers: ReviewerView[]): string {
  const name = reviewers.find((r) => r.id === owner)?.name;
  return name ? `${agent.name} is now linked to ${name}.` : `${agent.name} is linked to nobody.`;
}
