import { NavLink, Outlet } from "react-router";
import { useSession, useSignedInSession } from "../auth/session";
import { useTheme, type ThemeChoice } from "../ui/preferences";
import { useQueue } from "../queue/QueueProvider";
import { ConnectionStatus } from "../queue/ConnectionStatus";
import { QueueNotices } from "../queue/QueueNotices";
import { ROLE_LABEL, useRole } from "../auth/role";
import "./Shell.css";

const NEXT_THEME: Record<ThemeChoice, ThemeChoice> = { system: "dark", dark: "light", light: "system" };
const THEME_LABEL: Record<ThemeChoice, string> = { system: "system", dark: "dark", light: "light" };

export function Shell() {
  const session = useSignedInSession();
  const { signOut } = useSession();
  const [theme, setTheme] = useTheme();
  const { commands } = useQueue();
  const { role } = useRole();

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell__header">
        <div className="shell__brand">expacti</div>
        <nav className="shell__nav" aria-label="Main">
          <NavLink to="/" end>
            Queue
            {commands.length > 0 && (
              <span className="shell__count" aria-label={`${commands.length} pending`}>
                {commands.length}
              </span>
            )}
          </NavLink>
          <NavLink to="/history">History</NavLink>
          <NavLink to="/recordings">Recordings</NavLink>
          <NavLink to="/whitelist">Whitelist</NavLink>
          {/* Only once the role is known, so a reviewer never sees it flash by. */}
          {(role === "admin" || role === "auditor") && <NavLink to="/reports">Reports</NavLink>}
          <NavLink to="/settings">Settings</NavLink>
        </nav>
        <div className="shell__tools">
          <ConnectionStatus />
          <button
            type="button"
            className="btn btn--ghost btn--small"
            onClick={() => setTheme(NEXT_THEME[theme])}
            title="Switch colour theme"
          >
            <span>
              Theme<span className="shell__wide">: {THEME_LABEL[theme]}</span>
            </span>
          </button>
          <span className="shell__who" title={`${session.org.name}`}>
            {session.reviewer.name}
            {role && <span className="shell__role"> · {ROLE_LABEL[role]}</span>}
          </span>
          <button type="button" className="btn btn--ghost btn--small" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="shell__main" tabIndex={-1}>
        <Outlet />
      </main>
      <QueueNotices />
    </div>
  );
}
