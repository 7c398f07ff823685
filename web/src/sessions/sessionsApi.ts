import { api, call, type AgentSessionDetail, type AgentSessionList } from "../api";

export const SESSIONS_PAGE = 50;

export function listSessions(before: string | null, signal?: AbortSignal): Promise<AgentSessionList> {
  const query = before ? { before, limit: SESSIONS_PAGE } : { limit: SESSIONS_PAGE };
  return call(api.GET("/api/v1/sessions", { params: { query }, signal }));
}

export function getSession(id: string, signal?: AbortSignal): Promise<AgentSessionDetail> {
  return call(api.GET("/api/v1/sessions/{session_id}", { params: { path: { session_id: id } }, signal }));
}
