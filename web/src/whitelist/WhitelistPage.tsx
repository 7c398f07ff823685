// Placeholder so the app compiles; the history/whitelist/settings helper replaces this file.
export function WhitelistPage() {
  return <h1>Whitelist</h1>;
}
