export { api, call, UNAUTHORIZED_EVENT } from "./client";
export { ApiError, asApiError, toApiError } from "./errors";
export type * from "./types";
