import { useEffect, useRef, useState } from "react";
import { isoToLocalInput, localInputToIso, STATUSES, VIAS, type HistoryFilters } from "./filters";
import { STATUS_LABEL } from "./format";
import type { FilterControls } from "./useHistoryFilters";

const VIA_LABEL: Record<(typeof VIAS)[number], string> = {
  whitelist: "Whitelist rule",
  manual: "A reviewer",
  system: "System (timeout, cancel)",
};

type TextKey = "agent" | "target" | "reviewer";
const TEXT_FIELDS: { key: TextKey; label: string }[] = [
  { key: "agent", label: "Agent" },
  { key: "target", label: "Target" },
  { key: "reviewer", label: "Reviewer" },
];

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

// On a phone nine fields would push the results off screen, so they start folded.
function startsOpen(): boolean {
  return typeof window.matchMedia !== "function" || window.matchMedia("(min-width: 761px)").matches;
}

function activeCount(filters: HistoryFilters): number {
  const keys = ["status", "via", "agent", "target", "reviewer", "since", "until"] as const;
  return keys.filter((key) => filters[key].trim() !== "").length;
}

export function HistoryFiltersForm({ controls }: { controls: FilterControls }) {
  const { draft, type, apply, flush } = controls;
  const search = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(startsOpen);
  const active = activeCount(controls.applied);

  // "/" jumps to search, as in most list UIs; never while the user is typing.
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      event.preventDefault();
      search.current?.focus();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const dateField = (key: "since" | "until", label: string) => (
    <div className="hf__field">
      <label className="field-label" htmlFor={`hf-${key}`}>
        {label}
      </label>
      <input
        id={`hf-${key}`}
        className="input"
        type="datetime-local"
        value={isoToLocalInput(draft[key])}
        onChange={(e) => apply({ [key]: localInputToIso(e.target.value) } as Partial<HistoryFilters>)}
      />
    </div>
  );

  return (
    <form
      className="hf"
      role="search"
      aria-label="Filter commands"
      onSubmit={(e) => {
        e.preventDefault();
        flush();
      }}
    >
      <div className="hf__field hf__field--wide">
        <label className="field-label" htmlFor="hf-q">
          Search <kbd aria-hidden="true">/</kbd>
        </label>
        <input
          id="hf-q"
          ref={search}
          className="input"
          type="search"
          placeholder="Command, target, agent, reviewer or note"
          value={draft.q}
          onChange={(e) => type({ q: e.target.value })}
        />
      </div>
      <details className="hf__more" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          Filters{active > 0 && <span className="muted"> · {active} active</span>}
        </summary>
        <div className="hf__grid">
          <div className="hf__field">
            <label className="field-label" htmlFor="hf-status">
              Status
            </label>
            <select
              id="hf-status"
              className="select"
              value={draft.status}
              onChange={(e) => apply({ status: e.target.value as HistoryFilters["status"] })}
            >
              <option value="">Any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABEL[s]}
                </option>
              ))}
            </select>
          </div>
          <div className="hf__field">
            <label className="field-label" htmlFor="hf-via">
              Decided by
            </label>
            <select
              id="hf-via"
              className="select"
              value={draft.via}
              onChange={(e) => apply({ via: e.target.value as HistoryFilters["via"] })}
            >
              <option value="">Anyone</option>
              {VIAS.map((v) => (
                <option key={v} value={v}>
                  {VIA_LABEL[v]}
                </option>
              ))}
            </select>
          </div>
          {TEXT_FIELDS.map(({ key, label }) => (
            <div className="hf__field" key={key}>
              <label className="field-label" htmlFor={`hf-${key}`}>
                {label}
              </label>
              <input
                id={`hf-${key}`}
                className="input"
                type="text"
                autoComplete="off"
                spellCheck={false}
                value={draft[key]}
                onChange={(e) => type({ [key]: e.target.value } as Partial<HistoryFilters>)}
              />
            </div>
          ))}
          {dateField("since", "From")}
          {dateField("until", "Until")}
        </div>
      </details>
      {/* Enter in any field applies at once; the button exists for that, hidden from sight only. */}
      <button type="submit" className="visually-hidden" tabIndex={-1}>
        Apply filters
      </button>
    </form>
  );
}
