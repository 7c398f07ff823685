import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { SessionProvider, useSession } from "./session";
import { SignInPage } from "./SignInPage";
import { apiError, json, stubFetch } from "../test/http";

const session = {
  reviewer: { id: "rev_1", name: "alice" },
  org: { id: "org_1", name: "Acme", timeout_seconds: 300 },
  expires_at: "2030-01-01T00:00:00Z",
};

function Probe() {
  const { state } = useSession();
  if (state.status === "signed-in") return <p>Signed in as {state.session.reviewer.name}</p>;
  if (state.status === "loading") return <p>loading</p>;
  return <SignInPage />;
}

function renderSignIn() {
  return render(
    <SessionProvider>
      <Probe />
    </SessionProvider>,
  );
}

describe("sign-in", () => {
  it("shows the form when GET /session answers 401", async () => {
    stubFetch({ "GET /api/v1/session": () => apiError(401, "authentication_failed", "not signed in") });
    renderSignIn();
    const token = await screen.findByLabelText("Token");
    expect(token).toHaveAttribute("type", "password");
    expect(token).toHaveAttribute("autocomplete", "off");
    expect(screen.getByRole("button", { name: "Sign in" })).toBeDisabled();
  });

  it("skips the form when the cookie session is still valid", async () => {
    stubFetch({ "GET /api/v1/session": () => json(200, session) });
    renderSignIn();
    expect(await screen.findByText("Signed in as alice")).toBeInTheDocument();
  });

  it("posts the token with the CSRF header and never stores it", async () => {
    const { requests } = stubFetch({
      "GET /api/v1/session": () => apiError(401, "authentication_failed", "no"),
      "POST /api/v1/session": () => json(200, session),
    });
    renderSignIn();
    await userEvent.type(await screen.findByLabelText("Token"), "secret-reviewer-token");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Signed in as alice")).toBeInTheDocument();

    const post = requests.find((r) => r.method === "POST");
    expect(post).toBeDefined();
    expect(post?.headers.get("X-Expacti-CSRF")).toBe("1");
    expect(post?.credentials).toBe("same-origin");
    expect(await post?.json()).toEqual({ token: "secret-reviewer-token" });
    const stored = JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage });
    expect(stored).not.toContain("secret-reviewer-token");
  });

  it("explains a 401 inline and keeps the form", async () => {
    stubFetch({
      "GET /api/v1/session": () => apiError(401, "authentication_failed", "no"),
      "POST /api/v1/session": () => apiError(401, "authentication_failed", "invalid token"),
    });
    renderSignIn();
    await userEvent.type(await screen.findByLabelText("Token"), "wrong");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("That token is not valid or has been revoked");
    expect(screen.getByLabelText("Token")).toHaveAttribute("aria-invalid", "true");
  });

  it("explains that agent tokens cannot sign in (403)", async () => {
    stubFetch({
      "GET /api/v1/session": () => apiError(401, "authentication_failed", "no"),
      "POST /api/v1/session": () => apiError(403, "permission_denied", "agents cannot sign in"),
    });
    renderSignIn();
    await userEvent.type(await screen.findByLabelText("Token"), "agent-token");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/agent token/i);
  });

  it("returns to sign-in when any later call answers 401", async () => {
    stubFetch({ "GET /api/v1/session": () => json(200, session) });
    renderSignIn();
    await screen.findByText("Signed in as alice");
    window.dispatchEvent(new Event("expacti:unauthorized"));
    await waitFor(() => expect(screen.getByLabelText("Token")).toBeInTheDocument());
    expect(screen.getByRole("status")).toHaveTextContent("Your session ended");
  });
});
