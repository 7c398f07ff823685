import { useEffect, useState } from "react";
import { ApiError, type PreviewRequest } from "../api";
import { previewRule, type PreviewResult } from "./rulesApi";

export const PREVIEW_DEBOUNCE_MS = 400;

export type PreviewState =
  | { status: "idle" }
  | { status: "loading"; key: string }
  | { status: "ready"; key: string; result: PreviewResult }
  | { status: "error"; key: string; error: ApiError };

export function previewKey(request: PreviewRequest | null): string {
  return request ? JSON.stringify([request.pattern, request.type, request.scope]) : "";
}

/**
 * What the draft rule would have matched in past commands, asked again once
 * the draft has stopped changing. `key` ties a result to the draft it was
 * computed for, so a confirmation given for one pattern never carries over to
 * another.
 */
export function usePreview(request: PreviewRequest | null): PreviewState {
  const key = previewKey(request);
  const [state, setState] = useState<PreviewState>({ status: "idle" });

  useEffect(() => {
    if (!key) {
      setState({ status: "idle" });
      return;
    }
    const [pattern, type, scope] = JSON.parse(key) as [string, PreviewRequest["type"], string];
    const controller = new AbortController();
    setState({ status: "loading", key });
    const timer = setTimeout(() => {
      previewRule({ pattern, type, scope }, controller.signal)
        .then((result) => setState({ status: "ready", key, result }))
        .catch((error: unknown) => {
          if (controller.signal.aborted) return;
          const err = error instanceof ApiError ? error : new ApiError(0, "client_error", String(error));
          setState({ status: "error", key, error: err });
        });
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key]);

  return state;
}
