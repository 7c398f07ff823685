import { useCallback, useEffect, useState } from "react";
import { asApiError, type ApiError, type ApprovalPolicyList, type ApprovalPolicyView } from "../api";
import { InertText } from "../ui/InertText";
import { inertPlain, truncate } from "../ui/inertText";
import { Modal } from "../ui/Modal";
import { describeThreshold } from "./orgPolicy";
import { appliesTo, needsText } from "./policyForm";
import { PolicyEditor } from "./PolicyEditor";
import { deletePolicy, listPolicies } from "./settingsApi";

type Load = { status: "loading" } | { status: "error"; error: ApiError } | { status: "ready"; list: ApprovalPolicyList };

function PolicyItem({
  policy,
  editable,
  onEdit,
  onDelete,
}: {
  policy: ApprovalPolicyView;
  editable: boolean;
  onEdit(): void;
  onDelete(): void;
}) {
  const conditions = appliesTo(policy);
  const name = truncate(inertPlain(policy.name), 60);
  const short = policy.eligible_reviewers < policy.require_n_approvers;
  return (
    <li className="policy">
      <div className="policy__head">
        <span className="badge badge--neutral" title="Priority: lower is tried first">
          <span className="visually-hidden">Priority </span>
          {policy.priority}
        </span>
        <strong className="policy__name">
          <InertText text={policy.name} singleLine />
        </strong>
        {editable && (
          <span className="policy__actions">
            <button type="button" className="btn btn--small" onClick={onEdit} aria-label={`Edit policy ${name}`}>
              Edit
            </button>
            <button type="button" className="btn btn--small btn--danger-outline" onClick={onDelete} aria-label={`Delete policy ${name}`}>
              Delete
            </button>
          </span>
        )}
      </div>
      <p className="policy__line">
        <span className="meta-label">Applies to</span> {conditions.length === 0 && !policy.command_pattern && "every command"}
        {conditions.join(" · ")}
        {policy.command_pattern && (
          <>
            {conditions.length > 0 && " · "}commands matching {policy.command_pattern_type ?? "glob"}{" "}
            <code>
              <InertText text={policy.command_pattern} singleLine max={200} />
            </code>
          </>
        )}
      </p>
      <p className="policy__line">
        <span className="meta-label">Needs</span> {needsText(policy)} ·{" "}
        <span className={short ? "error-text" : undefined}>
          {policy.eligible_reviewers} {policy.eligible_reviewers === 1 ? "reviewer" : "reviewers"} may approve now
        </span>
      </p>
    </li>
  );
}

/**
 * Approval policies in the order they are tried, and the default routing that
 * follows them. Admins create, edit and delete; everyone else reads.
 */
export function PoliciesSection({ editable, refreshKey = 0 }: { editable: boolean; refreshKey?: number }) {
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState<ApprovalPolicyView | "new" | null>(null);
  const [deleting, setDeleting] = useState<ApprovalPolicyView | null>(null);
  const [busy, setBusy] = useState(false);
  const [flash, setFlash] = useState("");
  const [problem, setProblem] = useState("");

  useEffect(() => {
    const controller = new AbortController();
    listPolicies(controller.signal)
      .then((list) => setLoad({ status: "ready", list }))
      .catch((error: unknown) => !controller.signal.aborted && setLoad({ status: "error", error: asApiError(error) }));
    return () => controller.abort();
  }, [version, refreshKey]);

  const reload = useCallback(() => setVersion((n) => n + 1), []);

  async function remove(policy: ApprovalPolicyView) {
    setBusy(true);
    setProblem("");
    try {
      await deletePolicy(policy.id);
      setFlash(`Policy “${policy.name}” deleted. Commands already waiting keep what they were given.`);
      reload();
    } catch (error) {
      setProblem(`Could not delete the policy: ${asApiError(error).message}`);
    } finally {
      setBusy(false);
      setDeleting(null);
    }
  }

  return (
    <section className="settings__card" aria-labelledby="settings-policies">
      <div className="settings__head">
        <h2 id="settings-policies">Approval policies</h2>
        {editable && (
          <button type="button" className="btn btn--small btn--primary" onClick={() => setEditing("new")}>
            New policy
          </button>
        )}
      </div>
      <p className="muted">
        Who must approve which commands. The first policy that matches a command decides, in priority order; commands no
        policy matches follow the default routing below. A change applies to commands submitted afterwards.
      </p>
      <p role="status" className="timeout__saved">
        {flash}
      </p>
      {problem && (
        <p role="alert" className="notice notice--error">
          {problem}
        </p>
      )}
      {load.status === "loading" && <p className="muted">Loading policies…</p>}
      {load.status === "error" && (
        <p role="alert" className="notice notice--error">
          Could not load the policies: {load.error.message}{" "}
          <button type="button" className="btn btn--small" onClick={reload}>
            Try again
          </button>
        </p>
      )}
      {load.status === "ready" && (
        <ol className="policies" aria-label="Approval policies, in the order they are tried">
          {load.list.items.map((policy) => (
            <PolicyItem
              key={policy.id}
              policy={policy}
              editable={editable}
              onEdit={() => setEditing(policy)}
              onDelete={() => setDeleting(policy)}
            />
          ))}
          <li className="policy policy--default">
            <div className="policy__head">
              <strong>Default routing</strong>
              <span className="muted">when no policy matches</span>
            </div>
            <p className="policy__line">
              {describeThreshold(load.list.senior_risk_threshold)} Anything else: one approval by any reviewer.
            </p>
          </li>
        </ol>
      )}

      {editing && (
        <PolicyEditor
          policy={editing === "new" ? null : editing}
          onCancel={() => setEditing(null)}
          onSaved={(saved) => {
            setFlash(editing === "new" ? `Policy “${saved.name}” created.` : `Policy “${saved.name}” saved.`);
            setEditing(null);
            reload();
          }}
        />
      )}
      {deleting && (
        <Modal title="Delete this policy?" role="alertdialog" onClose={() => setDeleting(null)}>
          <p>
            <strong>
              <InertText text={deleting.name} />
            </strong>{" "}
            — {needsText(deleting)}. Commands it matched will follow the next matching policy or the default routing.
          </p>
          <div className="modal__actions">
            <button type="button" className="btn" onClick={() => setDeleting(null)}>
              Cancel
            </button>
            <button type="button" className="btn btn--deny" disabled={busy} onClick={() => void remove(deleting)}>
              {busy ? "Deleting…" : "Delete policy"}
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}
