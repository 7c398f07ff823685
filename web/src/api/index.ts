export { api, call, UNAUTHORIZED_EVENT } from "./client";
export { ApiError, toApiError } from "./errors";
export type * from "./contract";
