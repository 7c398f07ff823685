import { useCallback, useEffect, useRef, useState } from "react";
import { asApiError, type ApiError, type RuleMatchesDeniedDetails, type SuggestedRule } from "../api";
import { acceptSuggestion, dismissSuggestion, listOpenSuggestions, refreshSuggestions } from "./suggestionsApi";

export type SuggestionsLoad =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; items: SuggestedRule[] };

export type SuggestionAction = "accept" | "dismiss";

/** Why an accept or dismiss did not happen, in the reviewer's words. */
export function suggestionErrorText(action: SuggestionAction, error: ApiError): string {
  if (error.code === "rule_matches_denied") {
    const denied = error.detailsAs<RuleMatchesDeniedDetails>().denied_matched;
    const what = denied ? `${denied} command${denied === 1 ? "" : "s"}` : "commands";
    return `Not created: this rule would now approve ${what} a reviewer denied. Write a narrower rule on the Whitelist page instead.`;
  }
  if (error.code === "suggestion_not_open") return "This suggestion is no longer open: someone accepted or dismissed it.";
  return `Could not ${action} the suggestion: ${error.message}`;
}

/**
 * The open rule suggestions, with accept and dismiss. An accepted or dismissed
 * suggestion leaves the list at once; `onAccepted` is told of the new rule.
 */
export function useSuggestions(onAccepted?: (accepted: SuggestedRule) => void) {
  const [load, setLoad] = useState<SuggestionsLoad>({ status: "loading" });
  const [busy, setBusy] = useState<Record<string, SuggestionAction>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [flash, setFlash] = useState("");
  const [refreshing, setRefreshing] = useState(false);
  const [version, setVersion] = useState(0);
  const acceptedRef = useRef(onAccepted);
  acceptedRef.current = onAccepted;

  useEffect(() => {
    const controller = new AbortController();
    listOpenSuggestions(controller.signal)
      .then((items) => setLoad({ status: "ready", items }))
      .catch((error: unknown) => !controller.signal.aborted && setLoad({ status: "error", error: asApiError(error) }));
    return () => controller.abort();
  }, [version]);

  const reload = useCallback(() => setVersion((n) => n + 1), []);

  const drop = (id: string) =>
    setLoad((prev) => (prev.status === "ready" ? { status: "ready", items: prev.items.filter((s) => s.id !== id) } : prev));

  const act = useCallback(async (suggestion: SuggestedRule, action: SuggestionAction, ttlSeconds: number | null = null) => {
    const id = suggestion.id;
    setBusy((b) => ({ ...b, [id]: action }));
    setErrors(({ [id]: _, ...rest }) => rest);
    setFlash("");
    try {
      if (action === "accept") {
        const accepted = await acceptSuggestion(id, ttlSeconds);
        setFlash(`Rule created: ${suggestion.pattern}`);
        acceptedRef.current?.(accepted);
      } else {
        await dismissSuggestion(id);
        setFlash("Suggestion dismissed: it will not be suggested again.");
      }
      drop(id);
    } catch (err) {
      const error = asApiError(err);
      if (error.code === "suggestion_not_open") {
        drop(id);
        setFlash(suggestionErrorText(action, error));
      } else {
        setErrors((e) => ({ ...e, [id]: suggestionErrorText(action, error) }));
      }
    } finally {
      setBusy(({ [id]: _, ...rest }) => rest);
    }
  }, []);

  /** Recompute from history now (deciding reviewers only). */
  const recompute = useCallback(async () => {
    setRefreshing(true);
    setFlash("");
    try {
      const items = await refreshSuggestions();
      setLoad({ status: "ready", items });
      setFlash(items.length === 0 ? "Checked: nothing to suggest right now." : `Checked: ${items.length} open suggestion${items.length === 1 ? "" : "s"}.`);
    } catch (error) {
      setFlash(`Could not recompute: ${asApiError(error).message}`);
    } finally {
      setRefreshing(false);
    }
  }, []);

  return {
    load,
    busy,
    errors,
    flash,
    refreshing,
    reload,
    recompute,
    accept: (s: SuggestedRule, ttlSeconds: number | null) => act(s, "accept", ttlSeconds),
    dismiss: (s: SuggestedRule) => act(s, "dismiss"),
  };
}
