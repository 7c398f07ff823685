import { useCallback, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { asApiError, type ApiError, type WhitelistRuleView } from "../api";
import { InertText } from "../ui/InertText";
import { Modal } from "../ui/Modal";
import { RuleEditor } from "./RuleEditor";
import { RulesTable } from "./RulesTable";
import { deleteRule, expireRule, getRule, listRules } from "./rulesApi";
import { useDebounced } from "../ui/useDebounced";
import { mayDecide, useRole } from "../auth/role";
import { SuggestedRulesSection } from "../suggestions/SuggestedRulesSection";
import "../history/history.css";
import "./whitelist.css";

export const SEARCH_DEBOUNCE_MS = 300;

type Load =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "missing" }
  | { status: "ready"; rules: WhitelistRuleView[] };

/** The organisation's whitelist rules: search, create, edit, expire, delete. */
export function WhitelistPage() {
  const [params, setParams] = useSearchParams();
  const ruleId = params.get("rule") ?? "";
  const q = params.get("q") ?? "";
  const [search, setSearch] = useState(q);
  const settled = useDebounced(search, SEARCH_DEBOUNCE_MS);
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState<WhitelistRuleView | "new" | null>(null);
  const [deleting, setDeleting] = useState<WhitelistRuleView | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [flash, setFlash] = useState("");
  const [actionError, setActionError] = useState("");
  const canChange = mayDecide(useRole().role);

  // The box follows the URL when it changes from outside (back button, a link).
  useEffect(() => setSearch(q), [q]);

  useEffect(() => {
    if (settled === q) return;
    const next = new URLSearchParams(params);
    if (settled.trim()) next.set("q", settled);
    else next.delete("q");
    next.delete("rule");
    setParams(next, { replace: true });
    // Only the settled text should write the URL; params change with it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settled]);

  useEffect(() => {
    const controller = new AbortController();
    const done = (next: Load) => !controller.signal.aborted && setLoad(next);
    if (ruleId) {
      getRule(ruleId, controller.signal)
        .then((rule) => done({ status: "ready", rules: [rule] }))
        .catch((error: unknown) => {
          const err = asApiError(error);
          done(err.status === 404 ? { status: "missing" } : { status: "error", error: err });
        });
    } else {
      listRules(q, controller.signal)
        .then((page) => done({ status: "ready", rules: page.items }))
        .catch((error: unknown) => done({ status: "error", error: asApiError(error) }));
    }
    return () => controller.abort();
  }, [ruleId, q, version]);

  const reload = useCallback(() => setVersion((n) => n + 1), []);
  const onSuggestionAccepted = useCallback(() => reload(), [reload]);

  function replaceRule(updated: WhitelistRuleView) {
    setLoad((prev) =>
      prev.status === "ready" ? { status: "ready", rules: prev.rules.map((r) => (r.id === updated.id ? updated : r)) } : prev,
    );
  }

  async function expire(rule: WhitelistRuleView) {
    setBusy(rule.id);
    setActionError("");
    try {
      replaceRule(await expireRule(rule.id));
      setFlash("Rule expired: it no longer approves anything.");
    } catch (error) {
      setActionError(`Could not expire the rule: ${asApiError(error).message}`);
    } finally {
      setBusy(null);
    }
  }

  async function remove(rule: WhitelistRuleView) {
    setBusy(rule.id);
    setActionError("");
    try {
      await deleteRule(rule.id);
      setLoad((prev) => (prev.status === "ready" ? { status: "ready", rules: prev.rules.filter((r) => r.id !== rule.id) } : prev));
      setFlash("Rule deleted.");
    } catch (error) {
      setActionError(`Could not delete the rule: ${asApiError(error).message}`);
    } finally {
      setBusy(null);
      setDeleting(null);
    }
  }

  return (
    <div className="whitelist">
      <div className="whitelist__head">
        <h1>Whitelist</h1>
        {canChange && (
          <button type="button" className="btn btn--primary" onClick={() => setEditing("new")}>
            New rule
          </button>
        )}
      </div>
      <p className="muted">Commands every part of which a rule matches are approved at once, without a reviewer.</p>
      {!canChange && <p className="notice">Read-only: as an auditor you can see the rules but not change them.</p>}

      {!ruleId && <SuggestedRulesSection onAccepted={onSuggestionAccepted} />}

      <form className="whitelist__search" role="search" onSubmit={(e) => e.preventDefault()}>
        <label className="field-label" htmlFor="wl-q">
          Search patterns
        </label>
        <input
          id="wl-q"
          className="input"
          type="search"
          spellCheck={false}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </form>

      {ruleId && (
        <p className="notice whitelist__filter">
          Showing rule <code>{ruleId}</code> only. <Link to="/whitelist">Show all rules</Link>
        </p>
      )}

      <p role="status" className="whitelist__flash">
        {flash}
      </p>
      {actionError && (
        <p role="alert" className="notice notice--error">
          {actionError}
        </p>
      )}

      {load.status === "loading" && (
        <p role="status" className="state-msg">
          Loading rules…
        </p>
      )}
      {load.status === "error" && (
        <div className="state-msg state-msg--error">
          <p role="alert">Could not load the whitelist: {load.error.message}</p>
          <button type="button" className="btn" onClick={reload}>
            Try again
          </button>
        </div>
      )}
      {load.status === "missing" && (
        <div className="state-msg empty">
          <p className="empty__title">No such rule</p>
          <p className="muted">
            Rule <code>{ruleId}</code> does not exist any more; it may have been deleted.
          </p>
          <Link to="/whitelist" className="btn">
            Show all rules
          </Link>
        </div>
      )}
      {load.status === "ready" && load.rules.length === 0 && (
        <div className="state-msg empty">
          {q ? (
            <>
              <p className="empty__title">No rule matches “{q}”</p>
              <button type="button" className="btn" onClick={() => setSearch("")}>
                Clear search
              </button>
            </>
          ) : (
            <>
              <p className="empty__title">No whitelist rules yet</p>
              <p className="muted">Every command waits for a reviewer until you add one.</p>
            </>
          )}
        </div>
      )}
      {load.status === "ready" && load.rules.length > 0 && (
        <RulesTable
          rules={load.rules}
          highlight={ruleId || null}
          busy={busy}
          canChange={canChange}
          onEdit={setEditing}
          onExpire={(rule) => void expire(rule)}
          onDelete={setDeleting}
        />
      )}

      {editing && (
        <RuleEditor
          save={{
            kind: "rule",
            rule: editing === "new" ? null : editing,
            onSaved: (saved) => {
              setFlash(editing === "new" ? "Rule created." : "Rule saved.");
              setEditing(null);
              if (editing === "new") reload();
              else replaceRule(saved);
            },
          }}
          onCancel={() => setEditing(null)}
        />
      )}

      {deleting && (
        <Modal title="Delete this rule?" role="alertdialog" onClose={() => setDeleting(null)}>
          <pre className="cmd-full">
            <InertText text={deleting.pattern} />
          </pre>
          <p>
            Commands it matched will wait for a reviewer again. The audit log keeps its history. To stop it matching but
            keep it listed, use “Expire now” instead.
          </p>
          <div className="modal__actions">
            <button type="button" className="btn" onClick={() => setDeleting(null)}>
              Cancel
            </button>
            <button type="button" className="btn btn--deny" disabled={busy === deleting.id} onClick={() => void remove(deleting)}>
              {busy === deleting.id ? "Deleting…" : "Delete rule"}
            </button>
          </div>
        </Modal>
      )}
    </div>
  );
}
