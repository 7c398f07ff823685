/*
 * Fetch stubs at the network boundary: the real typed client runs above them.
 * `stubFetch` hands handlers the `Request` (queue tests); `stubApi` hands them
 * the decoded call and records it (history, whitelist and settings tests).
 */
import { vi } from "vitest";

type Handler = (request: Request) => Response | Promise<Response>;

/** The server's one error shape (`{"error": {code, message, details}}`). */
export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, details } };
}

export function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

export function apiError(status: number, code: string, message: string, details: Record<string, unknown> = {}): Response {
  return json(status, errorBody(code, message, details));
}

/**
 * Stub `fetch` at the network boundary. Routes are "METHOD /path"; every
 * request is recorded so tests can assert on bodies and headers.
 */
export function stubFetch(routes: Record<string, Handler>) {
  const requests: Request[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    requests.push(request.clone());
    const key = `${request.method} ${new URL(request.url).pathname}`;
    const handler = routes[key];
    if (!handler) throw new Error(`unexpected request ${key}`);
    return handler(request);
  });
  vi.stubGlobal("fetch", fetchMock);
  return { requests, fetchMock };
}

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

type CallHandler = (call: Recorded) => Reply | Promise<Reply>;

/**
 * Replace `fetch` with a table of "METHOD /path" → handler. Unknown routes
 * answer 404 in the server's error shape. Returns the calls made, in order.
 */
export function stubApi(routes: Record<string, CallHandler>): Recorded[] {
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
    return json(status, reply.body ?? {});
  });
  vi.stubGlobal("fetch", fake);
  return calls;
}
