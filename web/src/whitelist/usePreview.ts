import { useEffect, useState } from "react";
import { asApiError, type ApiError, type PreviewRequest } from "../api";
import { useDebounced } from "../ui/useDebounced";
import { previewRule, type PreviewResult } from "./rulesApi";

export const PREVIEW_DEBOUNCE_MS = 300;

export type PreviewState =
  | { status: "idle" }
  /** `previous` is the last answer, for another draft: shown while this one is checked, never counted. */
  | { status: "loading"; key: string; previous: PreviewResult | null }
  | { status: "ready"; key: string; result: PreviewResult }
  | { status: "error"; key: string; error: ApiError };

type Answer = Extract<PreviewState, { status: "ready" | "error" }>;

export function previewKey(request: PreviewRequest | null): string {
  return request ? JSON.stringify([request.pattern, request.type, request.scope, request.exclude_command_id ?? null]) : "";
}

/**
 * What the draft rule would have matched in past commands, asked again once
 * the draft has stopped changing. The state always belongs to the current
 * request (`key`): until its own answer is back it is "loading", so neither a
 * result nor a confirmation for one pattern ever carries over to another.
 */
export function usePreview(request: PreviewRequest | null): PreviewState {
  const key = previewKey(request);
  const settledKey = useDebounced(key, PREVIEW_DEBOUNCE_MS);
  const [answer, setAnswer] = useState<Answer | null>(null);

  useEffect(() => {
    if (!settledKey) return;
    const [pattern, type, scope, exclude] = JSON.parse(settledKey) as [string, PreviewRequest["type"], string, string | null];
    const body: PreviewRequest = exclude ? { pattern, type, scope, exclude_command_id: exclude } : { pattern, type, scope };
    const controller = new AbortController();
    previewRule(body, controller.signal)
      .then((result) => setAnswer({ status: "ready", key: settledKey, result }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setAnswer({ status: "error", key: settledKey, error: asApiError(error) });
      });
    return () => controller.abort();
  }, [settledKey]);

  if (!key) return { status: "idle" };
  if (answer?.key === key) return answer;
  return { status: "loading", key, previous: answer?.status === "ready" ? answer.result : null };
}
