import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChainVerification, ComplianceReport, ReviewerRole } from "../api";
import { RoleProvider } from "../auth/role";
import { apiError, json, stubFetch } from "../test/http";
import { auditExportUrl, complianceUrl, dayRange, defaultRange, rangeProblem } from "./reportsApi";
import { ReportsPage } from "./ReportsPage";

function makeReport(overrides: Partial<ComplianceReport> = {}): ComplianceReport {
  return {
    framework: { id: "soc2", name: "SOC 2" },
    org: { id: "org_1", name: "Acme" },
    range: { start: "2030-01-01T00:00:00Z", end: "2030-02-01T00:00:00Z", first_day: "2030-01-01", last_day: "2030-01-31", days: 31, time_zone: "UTC" },
    generated_at: "2030-02-01T09:00:00Z",
    generated_by: "alice",
    summary: {
      empty: false,
      note: null,
      commands_submitted: 120,
      human_decisions: 80,
      whitelisted: 30,
      denied: 10,
      timed_out: 0,
      cancelled: 0,
      anomaly_events: 4,
      whitelist_changes: 2,
      access_changes: 1,
      multi_party_commands: 3,
      audit_chain_ok: true,
      controls_by_status: { evidenced: 1, "not configured": 1 },
      findings: ["Reviewers sign in with a token only (no MFA)."],
    },
    controls: [
      {
        id: "CC6.1",
        title: "Logical access",
        evidences: "Who may approve what",
        status: "evidenced",
        sections: ["access"],
        evidence: [{ key: "decisions", label: "Human decisions", kind: "activity", status: "ok", figure: 80, unit: null, note: null }],
        findings: [],
      },
      {
        id: "CC7.2",
        title: "Monitoring",
        evidences: "Anomalies are flagged",
        status: "not configured",
        sections: ["anomalies"],
        evidence: [
          { key: "alerts", label: "Alert channel", kind: "configuration", status: "not configured", figure: null, unit: null, note: "no Slack or email" },
        ],
        findings: ["No alert channel is set up."],
      },
    ],
    // The page shows the summary and the controls; the sections are the PDF's and CSV's detail.
    sections: {} as ComplianceReport["sections"],
    ...overrides,
  };
}

function renderReports(role: ReviewerRole = "auditor") {
  return render(
    <MemoryRouter>
      <RoleProvider role={role}>
        <ReportsPage />
      </RoleProvider>
    </MemoryRouter>,
  );
}

let saved: { href: string; download: string }[] = [];

beforeEach(() => {
  saved = [];
  vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: vi.fn(() => "blob:report"), revokeObjectURL: vi.fn() }));
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ href: this.getAttribute("href") ?? "", download: this.download });
  });
});
afterEach(() => vi.unstubAllGlobals());

async function fillRange(user: ReturnType<typeof userEvent.setup>, from: string, to: string) {
  const fromInput = screen.getByLabelText("From");
  const toInput = screen.getByLabelText("To");
  await user.clear(fromInput);
  await user.type(fromInput, from);
  await user.clear(toInput);
  await user.type(toInput, to);
}

describe("ReportsPage: compliance report", () => {
  it("asks for the chosen framework, days and format, and saves the file under the server's name", async () => {
    const user = userEvent.setup();
    const { requests } = stubFetch({
      "GET /api/v1/reports/compliance": () =>
        new Response("%PDF-1.4 …", {
          headers: { "content-type": "application/pdf", "content-disposition": 'attachment; filename="expacti-iso27001-2030-01-01-2030-01-31.pdf"' },
        }),
    });
    renderReports();
    await user.selectOptions(screen.getByLabelText("Framework"), "iso27001");
    await fillRange(user, "2030-01-01", "2030-01-31");
    expect(screen.getByRole("radio", { name: "PDF" })).toBeChecked();
    await user.click(screen.getByRole("button", { name: "Download report" }));

    expect(await screen.findByRole("status")).toHaveTextContent("Saved expacti-iso27001-2030-01-01-2030-01-31.pdf");
    const url = new URL(requests[0]!.url);
    expect(url.pathname).toBe("/api/v1/reports/compliance");
    expect(Object.fromEntries(url.searchParams)).toEqual({ framework: "iso27001", from: "2030-01-01", to: "2030-01-31", format: "pdf" });
    expect(saved).toEqual([{ href: "blob:report", download: "expacti-iso27001-2030-01-01-2030-01-31.pdf" }]);
  });

  it("shows the JSON summary on screen when JSON is chosen, as well as saving it", async () => {
    const user = userEvent.setup();
    const { requests } = stubFetch({ "GET /api/v1/reports/compliance": () => json(200, makeReport()) });
    renderReports();
    await fillRange(user, "2030-01-01", "2030-01-31");
    await user.click(screen.getByRole("radio", { name: "JSON" }));
    await user.click(screen.getByRole("button", { name: "Download report" }));

    const table = await screen.findByRole("table", { name: /Controls and their evidence \(1 evidenced, 1 not configured\)/ });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows[0]).toHaveTextContent(/CC6\.1 Logical access.*evidenced.*Human decisions: 80 \(ok\)/);
    expect(rows[1]).toHaveTextContent(/CC7\.2 Monitoring.*not configured.*Alert channel: — \(not configured\) — no Slack or email.*No alert channel is set up\./);
    expect(screen.getByRole("heading", { name: "SOC 2 — Acme, 2030-01-01 to 2030-01-31 (UTC)" })).toBeInTheDocument();
    expect(screen.getByText("Commands submitted").nextElementSibling).toHaveTextContent("120");
    expect(screen.getByText("Reviewers sign in with a token only (no MFA).")).toBeInTheDocument();
    expect(new URL(requests[0]!.url).searchParams.get("format")).toBe("json");
    expect(saved).toEqual([{ href: "blob:report", download: "expacti-soc2-2030-01-01-2030-01-31.json" }]);
  });

  it("previews the summary without downloading", async () => {
    const user = userEvent.setup();
    const { requests } = stubFetch({ "GET /api/v1/reports/compliance": () => json(200, makeReport()) });
    renderReports();
    await user.click(screen.getByRole("button", { name: "Show summary" }));
    expect(await screen.findByRole("table", { name: /Controls and their evidence/ })).toBeInTheDocument();
    const { from, to } = defaultRange();
    expect(Object.fromEntries(new URL(requests[0]!.url).searchParams)).toEqual({ framework: "soc2", from, to, format: "json" });
    expect(saved).toEqual([]);
  });

  it("refuses a backwards range before asking the server", async () => {
    const user = userEvent.setup();
    const { fetchMock } = stubFetch({});
    renderReports();
    await fillRange(user, "2030-02-01", "2030-01-01");
    await user.click(screen.getByRole("button", { name: "Download report" }));
    expect(screen.getByRole("alert")).toHaveTextContent("The start date must not be after the end date.");
    expect(screen.getByLabelText("From")).toHaveAttribute("aria-invalid", "true");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows the server's refusal", async () => {
    const user = userEvent.setup();
    stubFetch({ "GET /api/v1/reports/compliance": () => apiError(403, "forbidden", "only an auditor or an admin may do this") });
    renderReports("reviewer");
    expect(screen.getByText(/for admins and auditors/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Download report" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not produce the report: only an auditor or an admin may do this");
    expect(saved).toEqual([]);
  });
});

describe("ReportsPage: audit chain", () => {
  it("verifies the chain and shows records checked and the head hash", async () => {
    const user = userEvent.setup();
    const result: ChainVerification = { ok: true, records: 1234, head_seq: 1234, head_hash: "f".repeat(64), first_break: null, verified_at: "2030-02-01T09:00:00Z" };
    const { requests } = stubFetch({ "POST /api/v1/audit/verify": () => json(200, result) });
    renderReports();
    await user.click(screen.getByRole("button", { name: "Verify audit chain" }));
    expect(await screen.findByText("The audit chain is intact.")).toBeInTheDocument();
    expect(screen.getByText("Records checked").nextElementSibling).toHaveTextContent((1234).toLocaleString());
    expect(screen.getByText("f".repeat(64))).toBeInTheDocument();
    expect(requests[0]!.headers.get("X-Expacti-CSRF")).toBe("1");
  });

  it("shows the first broken link with its kind and message", async () => {
    const user = userEvent.setup();
    const result: ChainVerification = {
      ok: false,
      records: 17,
      head_seq: 20,
      head_hash: "a".repeat(64),
      first_break: { seq: 18, record_id: 318, kind: "edited", message: "record 18's hash does not match its contents" },
      verified_at: "2030-02-01T09:00:00Z",
    };
    stubFetch({ "POST /api/v1/audit/verify": () => json(200, result) });
    renderReports();
    await user.click(screen.getByRole("button", { name: "Verify audit chain" }));
    expect(await screen.findByText("The audit chain is broken.")).toBeInTheDocument();
    expect(screen.getByText("First break").nextElementSibling).toHaveTextContent("record 18 (id 318): a record was changed after it was written edited");
    expect(screen.getByText("Details").nextElementSibling).toHaveTextContent("record 18's hash does not match its contents");
  });

  it("shows when verification fails", async () => {
    const user = userEvent.setup();
    stubFetch({ "POST /api/v1/audit/verify": () => apiError(403, "forbidden", "only an auditor or an admin may do this") });
    renderReports("senior");
    await user.click(screen.getByRole("button", { name: "Verify audit chain" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not verify the audit chain: only an auditor or an admin may do this");
    await waitFor(() => expect(screen.getByRole("button", { name: "Verify audit chain" })).toBeEnabled());
  });
});

describe("ReportsPage: audit log export", () => {
  it("links to the export for the report's days in the chosen format", async () => {
    const user = userEvent.setup();
    stubFetch({});
    renderReports();
    await fillRange(user, "2030-01-01", "2030-01-31");
    const link = screen.getByRole("link", { name: "Export audit log" });
    expect(link).toHaveAttribute("href", auditExportUrl("jsonl", "2030-01-01", "2030-01-31"));
    await user.selectOptions(screen.getByLabelText("Export format"), "csv");
    expect(link).toHaveAttribute("href", auditExportUrl("csv", "2030-01-01", "2030-01-31"));
  });
});

describe("report URLs", () => {
  it("builds the compliance and export URLs", () => {
    expect(complianceUrl({ framework: "soc2", from: "2030-01-01", to: "2030-01-31", format: "csv" })).toBe(
      "/api/v1/reports/compliance?framework=soc2&from=2030-01-01&to=2030-01-31&format=csv",
    );
    const range = dayRange("2030-01-01", "2030-01-31");
    expect(range).toEqual({ from: "2030-01-01T00:00:00Z", to: "2030-02-01T00:00:00Z" });
    expect(dayRange("2030-12-31", "2030-12-31")).toEqual({ from: "2030-12-31T00:00:00Z", to: "2031-01-01T00:00:00Z" });
    const url = new URL(auditExportUrl("csv", "2030-01-01", "2030-01-31"), "http://x");
    expect(Object.fromEntries(url.searchParams)).toEqual({ format: "csv", ...range });
  });

  it("checks ranges", () => {
    expect(rangeProblem("", "2030-01-01")).toMatch(/both/);
    expect(rangeProblem("2030-01-01", "2030-01-01")).toBeNull();
    expect(rangeProblem("2030-01-01", "2031-01-01")).toBeNull();
    expect(rangeProblem("2030-01-01", "2031-01-02")).toMatch(/at most 366 days/);
    expect(defaultRange(new Date(2030, 0, 31))).toEqual({ from: "2030-01-02", to: "2030-01-31" });
  });
});
