import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { networkError, toApiError } from "./errors";

/** Fired on `window` when any call answers 401: the session is gone. */
export const UNAUTHORIZED_EVENT = "expacti:unauthorized";

// `GET /api/v1/session` answering 401 is the normal "not signed in" answer and
// `POST` 401 is a wrong token; neither means "your session just ended".
function isSessionProbe(request: Request): boolean {
  return new URL(request.url).pathname.endsWith("/api/v1/session") && request.method !== "DELETE";
}

const sessionWatch: Middleware = {
  onResponse({ request, response }) {
    if (response.status === 401 && !isSessionProbe(request)) {
      window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    }
    return undefined;
  },
};

function baseUrl(): string {
  return typeof window === "undefined" ? "http://localhost" : window.location.origin;
}

/**
 * The typed API client. Authentication is the HttpOnly session cookie; the CSRF
 * header is sent on every request because the server requires it on every
 * cookie-authenticated non-GET call and it costs nothing on the others.
 */
export const api = createClient<paths>({
  baseUrl: baseUrl(),
  credentials: "same-origin",
  headers: { "X-Expacti-CSRF": "1" },
  // Resolved per call so tests can stub `globalThis.fetch`.
  fetch: (request: Request) => globalThis.fetch(request),
});
api.use(sessionWatch);

type Result<T> = { data?: T; error?: unknown; response: Response };

/**
 * Await an openapi-fetch call and return its data, or throw `ApiError`.
 * Responses without a body (204) give `undefined`.
 */
export async function call<T>(pending: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await pending;
  } catch (cause) {
    throw networkError(cause);
  }
  if (!result.response.ok) {
    throw toApiError(result.response.status, result.error);
  }
  return result.data as T;
}
