// Placeholder so the app compiles; the history/whitelist/settings helper replaces this file.
export function CommandDetailPage() {
  return <h1>Command</h1>;
}
