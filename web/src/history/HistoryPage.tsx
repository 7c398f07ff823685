import { Link } from "react-router";
import { hasFilters } from "./filters";
import { HistoryFiltersForm } from "./HistoryFiltersForm";
import { HistoryTable } from "./HistoryTable";
import { useCommandPages } from "./useCommandPages";
import { useHistoryFilters } from "./useHistoryFilters";
import "./history.css";

/** Every command of the organisation, newest first, filtered through the URL. */
export function HistoryPage() {
  const controls = useHistoryFilters();
  const { state, loadMore, retry } = useCommandPages(controls.applied);
  const filtered = hasFilters(controls.applied);

  return (
    <div className="history">
      <div className="history__head">
        <h1>History</h1>
        <Link to="/sessions" className="btn btn--small">
          Agent sessions
        </Link>
      </div>
      <HistoryFiltersForm controls={controls} />
      <section aria-labelledby="history-results" aria-busy={state.status === "loading"}>
        <h2 id="history-results" className="visually-hidden">
          Results
        </h2>
        {state.status === "loading" && (
          <p role="status" className="state-msg">
            Loading commands…
          </p>
        )}
        {state.status === "error" && (
          <div className="state-msg state-msg--error">
            <p role="alert">Could not load commands: {state.error.message}</p>
            <button type="button" className="btn" onClick={retry}>
              Try again
            </button>
          </div>
        )}
        {state.status === "ready" && state.items.length === 0 && (
          <div className="state-msg empty">
            {filtered ? (
              <>
                <p className="empty__title">No commands match these filters</p>
                <button type="button" className="btn btn--primary" onClick={controls.clear}>
                  Clear filters
                </button>
              </>
            ) : (
              <>
                <p className="empty__title">No commands yet</p>
                <p className="muted">Commands appear here as soon as an agent submits one.</p>
              </>
            )}
          </div>
        )}
        {state.status === "ready" && state.items.length > 0 && (
          <>
            <p className="muted history__count" role="status">
              {state.items.length} {state.items.length === 1 ? "command" : "commands"}
              {state.nextBefore ? " shown, more available" : ""}
              {filtered && (
                <>
                  {" · "}
                  <button type="button" className="btn btn--ghost btn--small" onClick={controls.clear}>
                    Clear filters
                  </button>
                </>
              )}
            </p>
            <HistoryTable items={state.items} />
            {state.more instanceof Error && (
              <p role="alert" className="error-text">
                Could not load more: {state.more.message}
              </p>
            )}
            {state.nextBefore && (
              <div className="history__more">
                <button type="button" className="btn" onClick={loadMore} disabled={state.more === "loading"}>
                  {state.more === "loading" ? "Loading…" : "Load more"}
                </button>
              </div>
            )}
          </>
        )}
      </section>
    </div>
  );
}
