// Placeholder so the app compiles; the history/whitelist/settings helper replaces this file.
export function HistoryPage() {
  return <h1>History</h1>;
}
