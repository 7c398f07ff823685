import { useId, useState, type FormEvent } from "react";
import { asApiError, type ApiError } from "../api";
import { useSession } from "./session";
import "./SignInPage.css";

/** What the reviewer should read for a failed sign-in. */
export function signInErrorMessage(error: ApiError): string {
  if (error.status === 401) return "That token is not valid or has been revoked.";
  if (error.status === 403 && error.code === "csrf_check_failed") return `Sign-in failed: ${error.message}`;
  if (error.status === 403) return "That is an agent token. Agents cannot sign in; use a reviewer token or API key.";
  if (error.status === 429) return "Too many attempts. Wait a moment and try again.";
  if (error.status === 0) return error.message;
  return `Sign-in failed: ${error.message}`;
}

export function SignInPage() {
  const { state, signIn } = useSession();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorId = useId();
  const expired = state.status === "signed-out" && state.reason === "expired";

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!token.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      await signIn(token.trim());
    } catch (err) {
      setError(signInErrorMessage(asApiError(err)));
      setBusy(false);
    }
    // On success this component unmounts; the token leaves memory with it.
  }

  return (
    <main className="signin">
      <form className="signin__card" onSubmit={onSubmit} aria-labelledby="signin-title" noValidate>
        <h1 id="signin-title" className="signin__title">
          expacti
        </h1>
        <p className="signin__lead">Sign in with your reviewer token or API key to review what agents want to run.</p>
        {expired && !error && (
          <p className="signin__notice" role="status">
            Your session ended. Sign in again to continue.
          </p>
        )}
        <label htmlFor="signin-token" className="field-label">
          Token
        </label>
        <input
          id="signin-token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="off"
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          className="input"
        />
        {error && (
          <p id={errorId} className="signin__error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn--primary signin__submit" disabled={busy || !token.trim()}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
