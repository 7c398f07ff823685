import { useEffect, useState } from "react";
import { api, call, ApiError, type PreviewRequest, type PreviewResponse } from "../api";
import { asApiError } from "../api";

export const PREVIEW_DEBOUNCE_MS = 300;

export type PreviewState =
  | { status: "idle" }
  | { status: "loading"; previous: PreviewResponse | null }
  | { status: "ready"; result: PreviewResponse }
  | { status: "error"; error: ApiError };

/** Ask the server what a rule would have matched, debounced while the user types. */
export function usePreview(request: PreviewRequest | null): PreviewState {
  const [state, setState] = useState<PreviewState>({ status: "idle" });
  const key = request ? JSON.stringify(request) : null;

  useEffect(() => {
    if (!key) {
      setState({ status: "idle" });
      return;
    }
    const body = JSON.parse(key) as PreviewRequest;
    const controller = new AbortController();
    setState((prev) => ({ status: "loading", previous: prev.status === "ready" ? prev.result : prev.status === "loading" ? prev.previous : null }));
    const timer = setTimeout(() => {
      call(api.POST("/api/v1/whitelist/preview", { body, signal: controller.signal }))
        .then((result) => setState({ status: "ready", result }))
        .catch((error: unknown) => {
          if (controller.signal.aborted) return;
          setState({ status: "error", error: asApiError(error) });
        });
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key]);

  return state;
}
