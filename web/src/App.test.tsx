import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { connectionLabel } from "./queue/ConnectionStatus";
import { makeCommand } from "./test/factories";
import { FakeWebSocket } from "./test/fakeWebSocket";
import { apiError, json, stubFetch } from "./test/http";
import { SESSION, whoAmI } from "./test/renderQueue";

beforeEach(() => {
  FakeWebSocket.reset();
  vi.stubGlobal("WebSocket", FakeWebSocket);
});

async function signedInApp(routes: Parameters<typeof stubFetch>[0] = {}) {
  const net = stubFetch({
    "GET /api/v1/session": () => json(200, SESSION),
    "GET /api/v1/me": () => json(200, whoAmI("senior")),
    "GET /api/v1/suggestions": () => json(200, { items: [] }),
    ...routes,
  });
  render(
    <MemoryRouter>
      <App />
    </MemoryRouter>,
  );
  await screen.findByRole("navigation", { name: "Main" });
  const ws = await FakeWebSocket.opened();
  act(() => {
    ws.open();
    ws.receive({ type: "snapshot", server_time: new Date().toISOString(), commands: [makeCommand({ id: "c1" })] });
  });
  return { ws, ...net };
}

describe("app shell", () => {
  it("shows navigation, landmarks and a live status once the snapshot arrives", async () => {
    const { ws } = await signedInApp();
    expect(ws.url).toBe(`ws://${window.location.host}/api/v1/reviewer/ws`);
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getAllByRole("link").map((a) => a.textContent?.replace(/\d+/, ""))).toEqual(["Queue", "History", "Recordings", "Whitelist", "Settings"]);
    expect(screen.getByRole("main")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: /Queue/ })).toBeInTheDocument();
    expect(screen.getByTestId("connection-status")).toHaveTextContent("Live");
    expect(screen.getByTestId("connection-status")).toHaveAttribute("role", "status");
  });

  it("offers Reports to admins and auditors only, once the role is known", async () => {
    await signedInApp({ "GET /api/v1/me": () => json(200, whoAmI("auditor")) });
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(await within(nav).findByRole("link", { name: "Reports" })).toHaveAttribute("href", "/reports");
    expect(within(nav).getByRole("link", { name: "Recordings" })).toHaveAttribute("href", "/recordings");
  });

  it("says it is reconnecting when the socket drops", async () => {
    const { ws } = await signedInApp();
    act(() => ws.serverClose(1006));
    expect(screen.getByTestId("connection-status")).toHaveTextContent("Reconnecting… (attempt 1)");
    expect(screen.getByText(/Connection lost/)).toBeInTheDocument();
  });

  it("returns to sign-in when the socket closes with 4401", async () => {
    const { ws } = await signedInApp();
    act(() => ws.serverClose(4401));
    expect(await screen.findByLabelText("Token")).toBeInTheDocument();
    expect(screen.getByText(/Your session ended/)).toBeInTheDocument();
  });

  it("returns to sign-in when a REST call answers 401", async () => {
    await signedInApp({ "POST /api/v1/commands/c1/approve": () => apiError(401, "authentication_failed", "expired") });
    const card = document.querySelector<HTMLElement>('article[data-command-id="c1"]');
    if (!card) throw new Error("no card");
    await userEvent.click(within(card).getByRole("button", { name: "Approve" }));
    expect(await screen.findByLabelText("Token")).toBeInTheDocument();
  });

  it("signs out through DELETE /session", async () => {
    const { requests } = await signedInApp({ "DELETE /api/v1/session": () => json(204, null) });
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    expect(await screen.findByLabelText("Token")).toBeInTheDocument();
    const del = requests.find((r) => r.method === "DELETE");
    expect(del?.headers.get("X-Expacti-CSRF")).toBe("1");
    await waitFor(() => expect(FakeWebSocket.latest().closedWith?.code).toBe(1000));
  });

  it("shows the reviewer's role beside the name, and notices from the feed outside the page", async () => {
    const { ws } = await signedInApp();
    expect(await screen.findByText("· Senior", { exact: false })).toBeInTheDocument();
    act(() => ws.receive({ type: "decided", command: makeCommand({ id: "c1", command: "make deploy", status: "timed_out" }) }));
    expect(screen.getByText(/Timed out without a decision/).closest("main")).toBeNull();
  });

  it("persists the theme toggle", async () => {
    await signedInApp();
    await userEvent.click(screen.getByRole("button", { name: /Theme/ }));
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem("expacti.pref.theme")).toBe('"dark"');
  });
});

describe("connectionLabel", () => {
  it("words every state", () => {
    expect(connectionLabel({ kind: "live", recovered: false })).toBe("Live");
    expect(connectionLabel({ kind: "live", recovered: true })).toBe("Live (reconnected)");
    expect(connectionLabel({ kind: "reconnecting", attempt: 3, retryInMs: 2000 })).toBe("Reconnecting… (attempt 3)");
    expect(connectionLabel({ kind: "offline" })).toMatch(/^Offline/);
  });
});
