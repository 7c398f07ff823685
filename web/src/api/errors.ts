/** Every non-2xx answer of the server, as one typed error. */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    /** HTTP status; 0 when the server could not be reached at all. */
    readonly status: number,
    /** The server's error code (`already_decided`, `invalid_pattern`…), or a local one. */
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** Narrow `details` to the shape documented for `code`. */
  detailsAs<T>(): Partial<T> {
    return this.details as Partial<T>;
  }
}

/** Anything a request threw, as an `ApiError` (code `client_error` when it was not one). */
export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, "client_error", String(error));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Build an `ApiError` from a response body. Bodies that are not the documented
 * `{"error": {...}}` shape (a proxy's HTML page, an empty 502) still give a
 * usable error instead of a crash.
 */
export function toApiError(status: number, body: unknown): ApiError {
  if (isRecord(body) && isRecord(body.error)) {
    const { code, message, details } = body.error;
    return new ApiError(
      status,
      typeof code === "string" ? code : "unknown_error",
      typeof message === "string" ? message : `Request failed (${status})`,
      isRecord(details) ? details : {},
    );
  }
  return new ApiError(status, "unknown_error", `Request failed (${status})`);
}

/** A fetch that never reached the server (offline, DNS, CORS). */
export function networkError(cause: unknown): ApiError {
  const err = new ApiError(0, "network_error", "Cannot reach the server. Check your connection and try again.");
  err.cause = cause;
  return err;
}
