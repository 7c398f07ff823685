import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { filtersFromSearch, filtersToSearch, NO_FILTERS, type HistoryFilters } from "./filters";

export const TYPING_DEBOUNCE_MS = 350;

export interface FilterControls {
  /** What the list shows: the filters in the URL. */
  applied: HistoryFilters;
  /** What the form shows, including text still being typed. */
  draft: HistoryFilters;
  /** Change a text field; reaches the URL once typing pauses. */
  type(change: Partial<HistoryFilters>): void;
  /** Change a select or date; reaches the URL at once. */
  apply(change: Partial<HistoryFilters>): void;
  /** Push whatever is typed now (Enter in the form). */
  flush(): void;
  clear(): void;
}

/**
 * History filters with the URL as the one source of truth. The form keeps a
 * draft only so that typing is not a request per keystroke; any URL change
 * that did not come from this form (back button, a shared link) resets it.
 */
export function useHistoryFilters(): FilterControls {
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => filtersFromSearch(params), [params]);
  const urlKey = filtersToSearch(applied).toString();
  const [draft, setDraft] = useState<HistoryFilters>(applied);
  const written = useRef(urlKey);

  useEffect(() => {
    if (urlKey !== written.current) {
      written.current = urlKey;
      setDraft(applied);
    }
  }, [urlKey, applied]);

  const write = useCallback(
    (next: HistoryFilters, replace: boolean) => {
      const search = filtersToSearch(next);
      written.current = search.toString();
      setParams(search, { replace });
    },
    [setParams],
  );

  useEffect(() => {
    if (filtersToSearch(draft).toString() === urlKey) return;
    const timer = setTimeout(() => write(draft, true), TYPING_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft, urlKey, write]);

  const type = useCallback((change: Partial<HistoryFilters>) => setDraft((d) => ({ ...d, ...change })), []);
  const apply = useCallback(
    (change: Partial<HistoryFilters>) => {
      const next = { ...draft, ...change };
      setDraft(next);
      write(next, false);
    },
    [draft, write],
  );
  const flush = useCallback(() => write(draft, false), [draft, write]);
  const clear = useCallback(() => {
    setDraft(NO_FILTERS);
    write(NO_FILTERS, false);
  }, [write]);

  return { applied, draft, type, apply, flush, clear };
}
