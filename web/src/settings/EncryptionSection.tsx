import { useEffect, useId, useState, type FormEvent } from "react";
import { ApiError, type KeyView } from "../api";
import { useKeyring, useKeyringState } from "../encryption/KeyringProvider";
import { browserLabel } from "../encryption/keyPair";
import { listKeys, revokeKey } from "../encryption/keysApi";
import { formatDateTime } from "../history/format";
import { Modal } from "../ui/Modal";

type KeysLoad = { status: "loading" } | { status: "error"; message: string } | { status: "ready"; keys: KeyView[] };

function messageOf(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

/** "0931 feac 9fe8 407d …": enough of the SHA-256 to compare by eye. */
export function shortFingerprint(hex: string): string {
  return `${(hex.slice(0, 16).match(/.{1,4}/g) ?? []).join(" ")} …`;
}

/**
 * Settings → End-to-end encryption: make a key pair for this browser and
 * register its public half, see the org's keys, revoke one's own.
 */
export function EncryptionSection({ reviewerId }: { reviewerId: string }) {
  const keyring = useKeyring();
  const keyState = useKeyringState();
  const held = keyState.status === "ready" ? keyState.key : null;
  const [load, setLoad] = useState<KeysLoad>({ status: "loading" });
  const [version, setVersion] = useState(0);
  const [revoking, setRevoking] = useState<KeyView | null>(null);
  const [done, setDone] = useState("");

  useEffect(() => {
    const controller = new AbortController();
    listKeys(controller.signal)
      .then((keys) => setLoad({ status: "ready", keys }))
      .catch((error: unknown) => !controller.signal.aborted && setLoad({ status: "error", message: messageOf(error) }));
    return () => controller.abort();
  }, [version]);

  const reload = () => setVersion((n) => n + 1);
  const heldIsActive = load.status !== "ready" || !held || load.keys.some((k) => k.id === held.keyId);

  return (
    <section className="settings__card encryption" aria-labelledby="settings-encryption">
      <h2 id="settings-encryption">End-to-end encryption</h2>
      <p className="muted">
        Agents can encrypt a command so that only reviewers’ browsers can read it: the server stores and relays it
        without ever seeing the text. Each browser you review from needs its own key; its private half never leaves
        this browser. Commands encrypted for a revoked or lost key cannot be read by anyone.
      </p>

      {keyState.status === "loading" && <p role="status">Looking for this browser’s key…</p>}
      {keyState.status === "unavailable" && (
        <p className="notice notice--error">
          This browser cannot keep a key: {keyState.message}
        </p>
      )}
      {held && held.reviewerId === reviewerId && (
        <p className="encryption__held">
          This browser holds the key <code>{shortFingerprint(held.fingerprint)}</code>
          {held.label ? <> (“{held.label}”)</> : null}.
        </p>
      )}
      {held && held.reviewerId !== reviewerId && (
        <p className="notice">
          This browser holds another reviewer’s key (<code>{shortFingerprint(held.fingerprint)}</code>). It is not
          used while you are signed in, so this browser cannot read encrypted commands for you. One browser profile
          keeps one key: use your own profile to hold yours.
        </p>
      )}
      {held && !heldIsActive && (
        <div role="alert" className="notice notice--error">
          <p>This browser’s key is no longer active on the server (it was revoked), so nothing new is encrypted for it.</p>
          <button type="button" className="btn btn--small" onClick={() => void keyring.forget().then(reload)}>
            Remove it from this browser
          </button>
        </div>
      )}
      {keyState.status === "ready" && !held && (
        <CreateKey
          onCreate={async (label) => {
            await keyring.create(label, reviewerId);
            setDone("Key created: agents encrypt for it from their next command.");
            reload();
          }}
        />
      )}
      <p role="status" className="encryption__done">
        {done}
      </p>

      <h3 className="encryption__subtitle">The organisation’s keys</h3>
      {load.status === "loading" && <p role="status">Loading keys…</p>}
      {load.status === "error" && (
        <>
          <p role="alert" className="error-text">
            Could not load the keys: {load.message}
          </p>
          <button type="button" className="btn" onClick={reload}>
            Try again
          </button>
        </>
      )}
      {load.status === "ready" && load.keys.length === 0 && <p className="muted">No reviewer has a key yet.</p>}
      {load.status === "ready" && load.keys.length > 0 && (
        <KeysTable keys={load.keys} reviewerId={reviewerId} heldKeyId={held?.keyId ?? null} onRevoke={setRevoking} />
      )}

      {revoking && (
        <RevokeDialog
          keyView={revoking}
          isThisBrowser={revoking.id === held?.keyId}
          onCancel={() => setRevoking(null)}
          onRevoke={async () => {
            await revokeKey(revoking.id);
            if (revoking.id === held?.keyId) await keyring.forget();
            setRevoking(null);
            setDone("Key revoked.");
            reload();
          }}
        />
      )}
    </section>
  );
}

function CreateKey({ onCreate }: { onCreate(label: string | null): Promise<void> }) {
  const uid = useId();
  const [label, setLabel] = useState(() => browserLabel(navigator.userAgent));
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState("");

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem("");
    try {
      await onCreate(label.trim() || null);
    } catch (error) {
      setProblem(messageOf(error));
      setBusy(false);
    }
  }

  return (
    <form className="encryption__create" onSubmit={(e) => void submit(e)}>
      <p>This browser holds no key: it cannot read encrypted commands.</p>
      <div className="encryption__row">
        <label className="field-label" htmlFor={`${uid}-label`}>
          Key name
        </label>
        <input
          id={`${uid}-label`}
          className="input"
          value={label}
          maxLength={200}
          onChange={(e) => setLabel(e.target.value)}
        />
        <button type="submit" className="btn btn--primary" disabled={busy}>
          {busy ? "Creating key…" : "Create a key for this browser"}
        </button>
      </div>
      {problem && (
        <p role="alert" className="notice notice--error">
          Could not create the key: {problem}
        </p>
      )}
    </form>
  );
}

interface KeysTableProps {
  keys: KeyView[];
  reviewerId: string;
  heldKeyId: string | null;
  onRevoke(key: KeyView): void;
}

function KeysTable({ keys, reviewerId, heldKeyId, onRevoke }: KeysTableProps) {
  return (
    <table className="encryption__keys">
      <thead>
        <tr>
          <th scope="col">Owner</th>
          <th scope="col">Name</th>
          <th scope="col">Fingerprint</th>
          <th scope="col">Created</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((key) => (
          <tr key={key.id} aria-current={key.id === heldKeyId ? "true" : undefined}>
            <td>{key.reviewer.name}</td>
            <td>
              {key.label ?? <span className="muted">unnamed</span>}
              {key.id === heldKeyId && <span className="badge badge--lock encryption__this">This browser</span>}
            </td>
            <td>
              <code title={key.fingerprint}>{shortFingerprint(key.fingerprint)}</code>
            </td>
            <td>{formatDateTime(key.created_at)}</td>
            <td>
              {key.reviewer.id === reviewerId && (
                <button
                  type="button"
                  className="btn btn--small btn--deny"
                  aria-label={`Revoke ${key.label ?? "key"} ${shortFingerprint(key.fingerprint)}`}
                  onClick={() => onRevoke(key)}
                >
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface RevokeDialogProps {
  keyView: KeyView;
  isThisBrowser: boolean;
  onCancel(): void;
  onRevoke(): Promise<void>;
}

function RevokeDialog({ keyView, isThisBrowser, onCancel, onRevoke }: RevokeDialogProps) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState("");

  async function revoke() {
    setBusy(true);
    setProblem("");
    try {
      await onRevoke();
    } catch (error) {
      setProblem(messageOf(error));
      setBusy(false);
    }
  }

  return (
    <Modal role="alertdialog" title="Revoke this key?" onClose={onCancel}>
      <p>
        Agents stop encrypting for <strong>{keyView.label ?? "this key"}</strong> (
        <code>{shortFingerprint(keyView.fingerprint)}</code>).
        {isThisBrowser && " It is this browser’s key: it is also removed from here."}
      </p>
      <p>Commands already encrypted for it can no longer be read once it is gone.</p>
      {problem && (
        <p role="alert" className="notice notice--error">
          Could not revoke: {problem}
        </p>
      )}
      <div className="modal__actions">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="btn btn--deny" disabled={busy} onClick={() => void revoke()}>
          {busy ? "Revoking…" : "Revoke"}
        </button>
      </div>
    </Modal>
  );
}
