import { describe, expect, it, vi } from "vitest";
import { api, call, UNAUTHORIZED_EVENT } from "./client";
import { ApiError, toApiError } from "./errors";
import { apiError, json, stubFetch } from "../test/http";

describe("toApiError", () => {
  it("reads the documented error shape", () => {
    const err = toApiError(409, { error: { code: "already_decided", message: "taken", details: { reviewer: "bob" } } });
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: "already_decided", message: "taken", details: { reviewer: "bob" } });
  });

  it("survives bodies that are not the error shape", () => {
    expect(toApiError(502, "<html>bad gateway</html>")).toMatchObject({ status: 502, code: "unknown_error" });
    expect(toApiError(500, undefined).message).toContain("500");
  });
});

describe("call", () => {
  it("returns data on success", async () => {
    stubFetch({ "GET /api/v1/org": () => json(200, { id: "o", name: "Acme", timeout_seconds: 60 }) });
    await expect(call(api.GET("/api/v1/org"))).resolves.toMatchObject({ name: "Acme" });
  });

  it("throws ApiError with the server's code", async () => {
    stubFetch({ "POST /api/v1/commands/c1/deny": () => apiError(409, "already_decided", "x") });
    const err = await call(api.POST("/api/v1/commands/{command_id}/deny", { params: { path: { command_id: "c1" } }, body: {} })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("already_decided");
  });

  it("turns a failed fetch into a network ApiError", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    await expect(call(api.GET("/api/v1/org"))).rejects.toMatchObject({ status: 0, code: "network_error" });
  });

  it("announces a 401 from an ordinary call, but not from the session probe", async () => {
    stubFetch({
      "GET /api/v1/org": () => apiError(401, "authentication_failed", "expired"),
      "GET /api/v1/session": () => apiError(401, "authentication_failed", "no session"),
    });
    const seen = vi.fn();
    window.addEventListener(UNAUTHORIZED_EVENT, seen);
    await call(api.GET("/api/v1/session")).catch(() => undefined);
    expect(seen).not.toHaveBeenCalled();
    await call(api.GET("/api/v1/org")).catch(() => undefined);
    expect(seen).toHaveBeenCalledTimes(1);
    window.removeEventListener(UNAUTHORIZED_EVENT, seen);
  });
});
