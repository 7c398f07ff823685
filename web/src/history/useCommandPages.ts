import { useCallback, useEffect, useRef, useState } from "react";
import { api, asApiError, call, type ApiError, type CommandListQuery, type CommandView } from "../api";
import { toListQuery, type HistoryFilters } from "./filters";

export const PAGE_SIZE = 50;

export type PagesState =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | {
      status: "ready";
      items: CommandView[];
      nextBefore: string | null;
      more: "idle" | "loading" | ApiError;
    };

/** Pages of the command list for the applied filters, newest first, with "load more". */
export function useCommandPages(filters: HistoryFilters): {
  state: PagesState;
  loadMore(): void;
  retry(): void;
} {
  const [state, setState] = useState<PagesState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  // The effect depends on the query's value, not on the object's identity.
  const key = JSON.stringify(toListQuery(filters));
  // Bumped per filter change so a slow "load more" cannot append to a newer list.
  const generation = useRef(0);

  useEffect(() => {
    const controller = new AbortController();
    const mine = ++generation.current;
    setState({ status: "loading" });
    call(
      api.GET("/api/v1/commands", {
        params: { query: { ...(JSON.parse(key) as CommandListQuery), limit: PAGE_SIZE } },
        signal: controller.signal,
      }),
    )
      .then((page) => {
        if (mine === generation.current) {
          setState({ status: "ready", items: page.items, nextBefore: page.next_before, more: "idle" });
        }
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted && mine === generation.current) {
          setState({ status: "error", error: asApiError(error) });
        }
      });
    return () => controller.abort();
  }, [key, attempt]);

  const loadMore = useCallback(() => {
    if (state.status !== "ready" || !state.nextBefore || state.more === "loading") return;
    const mine = generation.current;
    const before = state.nextBefore;
    setState({ ...state, more: "loading" });
    call(api.GET("/api/v1/commands", { params: { query: { ...(JSON.parse(key) as CommandListQuery), before, limit: PAGE_SIZE } } }))
      .then((page) => {
        if (mine !== generation.current) return;
        setState((prev) =>
          prev.status === "ready"
            ? { status: "ready", items: [...prev.items, ...page.items], nextBefore: page.next_before, more: "idle" }
            : prev,
        );
      })
      .catch((error: unknown) => {
        if (mine !== generation.current) return;
        setState((prev) => (prev.status === "ready" ? { ...prev, more: asApiError(error) } : prev));
      });
  }, [state, key]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, loadMore, retry };
}
