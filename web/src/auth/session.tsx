import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, asApiError, call, ApiError, UNAUTHORIZED_EVENT, type SessionView } from "../api";

export type SessionState =
  | { status: "loading" }
  | { status: "signed-out"; reason?: "expired" }
  | { status: "signed-in"; session: SessionView }
  | { status: "error"; error: ApiError };

interface SessionApi {
  state: SessionState;
  signIn(token: string): Promise<void>;
  signOut(): Promise<void>;
  /** The session ended elsewhere (401, WebSocket 4401): go back to sign-in. */
  expire(): void;
  retry(): void;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: "loading" });
  const [probe, setProbe] = useState(0);

  useEffect(() => {
    let cancelled = false;
    call(api.GET("/api/v1/session"))
      .then((session) => !cancelled && setState({ status: "signed-in", session }))
      .catch((error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 401) setState({ status: "signed-out" });
        else setState({ status: "error", error: asApiError(error) });
      });
    return () => {
      cancelled = true;
    };
  }, [probe]);

  const expire = useCallback(() => {
    setState((prev) => (prev.status === "signed-in" ? { status: "signed-out", reason: "expired" } : prev));
  }, []);

  useEffect(() => {
    window.addEventListener(UNAUTHORIZED_EVENT, expire);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, expire);
  }, [expire]);

  const signIn = useCallback(async (token: string) => {
    const session = await call(api.POST("/api/v1/session", { body: { token } }));
    setState({ status: "signed-in", session });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await call(api.DELETE("/api/v1/session"));
    } finally {
      // Even if the server is unreachable, this browser stops acting signed in;
      // the cookie is HttpOnly so the server is the only one who can clear it.
      setState({ status: "signed-out" });
    }
  }, []);

  const retry = useCallback(() => {
    setState({ status: "loading" });
    setProbe((n) => n + 1);
  }, []);

  const value = useMemo(() => ({ state, signIn, signOut, expire, retry }), [state, signIn, signOut, expire, retry]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error("useSession() outside <SessionProvider>");
  return ctx;
}

/** The signed-in session; only for components rendered behind the sign-in gate. */
export function useSignedInSession(): SessionView {
  const { state } = useSession();
  if (state.status !== "signed-in") throw new Error("useSignedInSession() while not signed in");
  return state.session;
}

/**
 * The signed-in reviewer's id, or null (signed out, or no session provider,
 * as in isolated component tests). Never throws.
 */
export function useReviewerId(): string | null {
  const ctx = useContext(SessionContext);
  return ctx?.state.status === "signed-in" ? ctx.state.session.reviewer.id : null;
}


/** The signed-in reviewer's name, or null; never throws (see `useReviewerId`). */
export function useReviewerName(): string | null {
  const ctx = useContext(SessionContext);
  return ctx?.state.status === "signed-in" ? ctx.state.session.reviewer.name : null;
}
