import { act, render } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { RoleProvider } from "../auth/role";
import { SessionProvider } from "../auth/session";
import { QueueProvider } from "../queue/QueueProvider";
import { QueuePage } from "../queue/QueuePage";
import { QueueNotices } from "../queue/QueueNotices";
import type { CommandView, ReviewerRole } from "../api";
import type { BrowserKeyring } from "../encryption/keyring";
import { KeyringProvider } from "../encryption/KeyringProvider";
import { testKeyring } from "../encryption/testing";
import { asWebSocket, FakeWebSocket } from "./fakeWebSocket";
import { json, stubFetch } from "./http";

export const SESSION = {
  reviewer: { id: "rev_1", name: "alice" },
  org: { id: "org_1", name: "Acme", timeout_seconds: 300 },
  expires_at: "2030-01-01T00:00:00Z",
};

type Routes = Parameters<typeof stubFetch>[0];

/** `GET /api/v1/me` for alice with `role`. */
export function whoAmI(role: ReviewerRole = "admin") {
  return { role: "reviewer", reviewer_role: role, id: "rev_1", name: "alice", org: { ...SESSION.org } };
}

/**
 * The queue page with its providers, a fake socket and a stubbed network.
 * The browser holds no encryption key unless `keyring` says otherwise; the
 * reviewer is an admin unless `role` says otherwise.
 */
export function renderQueue(
  commands: CommandView[],
  routes: Routes = {},
  { keyring = testKeyring(), role = "admin" }: { keyring?: BrowserKeyring; role?: ReviewerRole } = {},
) {
  FakeWebSocket.reset();
  const net = stubFetch({
    "GET /api/v1/session": () => json(200, SESSION),
    "GET /api/v1/me": () => json(200, whoAmI(role)),
    "GET /api/v1/suggestions": () => json(200, { items: [] }),
    ...routes,
  });
  const utils = render(
    <MemoryRouter initialEntries={["/"]}>
      <KeyringProvider keyring={keyring}>
        <SessionProvider>
          <RoleProvider role={role}>
            <QueueProvider WebSocketImpl={asWebSocket}>
              <Routes>
                <Route index element={<QueuePage />} />
                <Route path="commands/:id" element={<p>Details page</p>} />
              </Routes>
              <QueueNotices />
            </QueueProvider>
          </RoleProvider>
        </SessionProvider>
      </KeyringProvider>
    </MemoryRouter>,
  );
  const ws = FakeWebSocket.latest();
  act(() => {
    ws.open();
    ws.receive({ type: "snapshot", server_time: new Date().toISOString(), commands });
  });
  return { ...utils, ws, ...net };
}
