import { Navigate, Route, Routes } from "react-router";
import { RoleProvider } from "./auth/role";
import { SessionProvider, useSession } from "./auth/session";
import { SignInPage } from "./auth/SignInPage";
import { Shell } from "./shell/Shell";
import { QueueProvider } from "./queue/QueueProvider";
import { QueuePage } from "./queue/QueuePage";
import { HistoryPage } from "./history/HistoryPage";
import { CommandDetailPage } from "./history/CommandDetailPage";
import { WhitelistPage } from "./whitelist/WhitelistPage";
import { SettingsPage } from "./settings/SettingsPage";
import { SessionsPage } from "./sessions/SessionsPage";
import { SessionPage } from "./sessions/SessionPage";
import { RecordingsPage } from "./recordings/RecordingsPage";
import { RecordingPage } from "./recordings/RecordingPage";
import { ReportsPage } from "./reports/ReportsPage";
import { useTheme } from "./ui/preferences";

export function App() {
  return (
    <SessionProvider>
      <Gate />
    </SessionProvider>
  );
}

/** Sign-in decides everything else; nothing below renders until we know. */
function Gate() {
  const { state, retry } = useSession();
  useTheme();
  switch (state.status) {
    case "loading":
      return (
        <main className="boot" aria-busy="true">
          <p role="status">Loading…</p>
        </main>
      );
    case "error":
      return (
        <main className="boot">
          <h1>Cannot reach expacti</h1>
          <p role="alert">{state.error.message}</p>
          <button type="button" className="btn btn--primary" onClick={retry}>
            Try again
          </button>
        </main>
      );
    case "signed-out":
      return <SignInPage />;
    case "signed-in":
      return (
        <RoleProvider>
          <QueueProvider>
            <AppRoutes />
          </QueueProvider>
        </RoleProvider>
      );
  }
}

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Shell />}>
        <Route index element={<QueuePage />} />
        <Route path="history" element={<HistoryPage />} />
        <Route path="commands/:id" element={<CommandDetailPage />} />
        <Route path="sessions" element={<SessionsPage />} />
        <Route path="sessions/:id" element={<SessionPage />} />
        <Route path="recordings" element={<RecordingsPage />} />
        <Route path="recordings/:id" element={<RecordingPage />} />
        <Route path="whitelist" element={<WhitelistPage />} />
        <Route path="reports" element={<ReportsPage />} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
