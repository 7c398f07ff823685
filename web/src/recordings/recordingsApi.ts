import { api, call, type RecordingDetail, type RecordingList, type RecordingListQuery } from "../api";

export const RECORDINGS_PAGE = 50;

export function listRecordings(query: RecordingListQuery, signal?: AbortSignal): Promise<RecordingList> {
  return call(api.GET("/api/v1/recordings", { params: { query: { limit: RECORDINGS_PAGE, ...query } }, signal }));
}

export function getRecording(id: string, signal?: AbortSignal): Promise<RecordingDetail> {
  return call(api.GET("/api/v1/recordings/{recording_id}", { params: { path: { recording_id: id } }, signal }));
}

/** The whole asciicast file, as text (what has been written so far, for a live recording). */
export function getCast(id: string, signal?: AbortSignal): Promise<string> {
  return call(
    api.GET("/api/v1/recordings/{recording_id}/cast", {
      params: { path: { recording_id: id } },
      parseAs: "text",
      signal,
    }),
  );
}

/** The `.cast` file as an attachment (`Content-Disposition`), for a plain download link. */
export function castDownloadUrl(id: string): string {
  return `/api/v1/recordings/${encodeURIComponent(id)}/cast?download=true`;
}
