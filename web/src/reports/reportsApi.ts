import { api, call, toApiError, type ChainVerification, type ComplianceReport } from "../api";
import { networkError } from "../api/errors";
import { dispositionFilename } from "../ui/download";

export type Framework = "soc2" | "iso27001";
export type ReportFormat = "pdf" | "csv" | "json";
export type ExportFormat = "jsonl" | "csv";

export const FRAMEWORKS: readonly { value: Framework; label: string }[] = [
  { value: "soc2", label: "SOC 2" },
  { value: "iso27001", label: "ISO 27001" },
];

export const REPORT_FORMATS: readonly { value: ReportFormat; label: string }[] = [
  { value: "pdf", label: "PDF" },
  { value: "csv", label: "CSV" },
  { value: "json", label: "JSON" },
];

export const EXPORT_FORMATS: readonly { value: ExportFormat; label: string }[] = [
  { value: "jsonl", label: "JSON Lines" },
  { value: "csv", label: "CSV" },
];

/** What the reports form asks for. `from` and `to` are calendar days (`YYYY-MM-DD`), both included. */
export interface ReportRequest {
  framework: Framework;
  from: string;
  to: string;
  format: ReportFormat;
}

export function complianceQuery({ framework, from, to, format }: ReportRequest): URLSearchParams {
  return new URLSearchParams({ framework, from, to, format });
}

/** `GET /api/v1/reports/compliance?framework=&from=&to=&format=` for `request`. */
export function complianceUrl(request: ReportRequest): string {
  return `/api/v1/reports/compliance?${complianceQuery(request).toString()}`;
}

/** The report file and the name the server gave it (or one made up from the request). */
export async function downloadReport(request: ReportRequest, signal?: AbortSignal): Promise<{ blob: Blob; filename: string }> {
  let result;
  try {
    result = await api.GET("/api/v1/reports/compliance", {
      params: { query: { framework: request.framework, from: request.from, to: request.to, format: request.format } },
      parseAs: "blob",
      signal,
    });
  } catch (cause) {
    throw networkError(cause);
  }
  if (!result.response.ok || result.data === undefined) throw toApiError(result.response.status, result.error);
  const fallback = `expacti-${request.framework}-${request.from}-${request.to}.${request.format}`;
  return { blob: result.data, filename: dispositionFilename(result.response.headers.get("content-disposition")) ?? fallback };
}

/** The report as data, for showing on screen. */
export function getComplianceSummary(request: Omit<ReportRequest, "format">, signal?: AbortSignal): Promise<ComplianceReport> {
  // One 200 response describes all three formats (JSON, and CSV and PDF as strings);
  // `format=json` is always the JSON body, the ComplianceReport.
  return call(
    api.GET("/api/v1/reports/compliance", {
      params: { query: { framework: request.framework, from: request.from, to: request.to, format: "json" } },
      signal,
    }),
  ) as Promise<ComplianceReport>;
}

/** Walk the organisation's whole audit hash chain on the server. */
export function verifyAuditChain(): Promise<ChainVerification> {
  return call(api.POST("/api/v1/audit/verify"));
}

/**
 * The report's days as instants for the audit export: from 00:00 UTC on `from`
 * to 00:00 UTC the day after `to` (the export's `to` is exclusive), so the
 * export holds exactly the records the report counted.
 */
export function dayRange(from: string, to: string): { from: string; to: string } {
  const end = new Date(`${to}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() + 1);
  return { from: `${from}T00:00:00Z`, to: end.toISOString().replace(".000Z", "Z") };
}

/** `GET /api/v1/audit/export?format=&from=&to=`: a streamed download, fine as a plain link. */
export function auditExportUrl(format: ExportFormat, from: string, to: string): string {
  const range = dayRange(from, to);
  return `/api/v1/audit/export?${new URLSearchParams({ format, from: range.from, to: range.to }).toString()}`;
}

/** `YYYY-MM-DD` of a local date. */
export function isoDay(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

/** The last 30 days, today included. */
export function defaultRange(today: Date = new Date()): { from: string; to: string } {
  const start = new Date(today);
  start.setDate(start.getDate() - 29);
  return { from: isoDay(start), to: isoDay(today) };
}

/** The longest range one report covers (the server's `reports.window.MAX_DAYS`). */
export const MAX_REPORT_DAYS = 366;

/** Why the range cannot be asked for, or null. */
export function rangeProblem(from: string, to: string): string | null {
  if (!from || !to) return "Choose both a start and an end date.";
  if (from > to) return "The start date must not be after the end date.";
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_REPORT_DAYS) return `A report covers at most ${MAX_REPORT_DAYS} days; choose a shorter range.`;
  return null;
}
