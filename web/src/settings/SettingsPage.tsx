// Placeholder so the app compiles; the history/whitelist/settings helper replaces this file.
export function SettingsPage() {
  return <h1>Settings</h1>;
}
