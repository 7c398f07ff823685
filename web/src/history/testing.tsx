/*
 * Test helpers for the history, whitelist and settings screens: a fetch stub
 * at the network boundary (the real typed client runs above it) and a router
 * that exposes the current location.
 */
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { vi } from "vitest";

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface Reply {
  status?: number;
  body?: unknown;
}

type Handler = (call: Recorded) => Reply | Promise<Reply>;

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, details } };
}

/**
 * Replace `fetch` with a table of "METHOD /path" → handler. Unknown routes
 * answer 404 in the server's error shape. Returns the calls made, in order.
 */
export function stubApi(routes: Record<string, Handler>): Recorded[] {
  const calls: Recorded[] = [];
  const fake = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
    const recorded: Recorded = {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    calls.push(recorded);
    const handler = routes[`${request.method} ${url.pathname}`];
    const reply = handler ? await handler(recorded) : { status: 404, body: errorBody("not_found", "No such thing") };
    const status = reply.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(reply.body ?? {}), {
      status,
      headers: { "content-type": "application/json" },
    });
  });
  vi.stubGlobal("fetch", fake);
  return calls;
}

let currentLocation = { pathname: "", search: "" };

function LocationProbe() {
  const location = useLocation();
  currentLocation = { pathname: location.pathname, search: location.search };
  return null;
}

/** Where the router is now (search string includes the "?"). */
export function location() {
  return currentLocation;
}

/** Render `element` at `url`, matched by `route`, inside a memory router. */
export function renderAt(element: ReactElement, url: string, route = "*") {
  return render(
    <MemoryRouter initialEntries={[url]}>
      <LocationProbe />
      <Routes>
        <Route path={route} element={element} />
        <Route path="*" element={<p>elsewhere</p>} />
      </Routes>
    </MemoryRouter>,
  );
}
