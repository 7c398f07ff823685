import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeRecording } from "../test/factories";
import { stubApi } from "../test/http";
import { renderAt } from "../test/renderAt";
import { formatBytes, formatClock, spokenClock } from "./format";
import { RecordingsPage } from "./RecordingsPage";

afterEach(() => vi.unstubAllGlobals());

describe("RecordingsPage", () => {
  it("lists recordings with agent, start, duration, status, truncation and size, and pages on", async () => {
    const user = userEvent.setup();
    const calls = stubApi({
      "GET /api/v1/recordings": ({ query }) =>
        query.get("before")
          ? { body: { items: [makeRecording({ id: "rec_3", title: "Older" })], next_before: null } }
          : {
              body: {
                items: [
                  makeRecording({ id: "rec_1", title: "Ship <b>v2</b>", status: "live", ended_at: null, duration_seconds: 7.9, bytes: 812 }),
                  makeRecording({ id: "rec_2", title: "Rotate keys", truncated: true, bytes: 5 * 1024 * 1024, commands: 1 }),
                ],
                next_before: "cursor",
              },
            },
    });
    renderAt(<RecordingsPage />, "/recordings", "/recordings");

    const live = await screen.findByRole("link", { name: "Ship <b>v2</b>" });
    expect(live).toHaveAttribute("href", "/recordings/rec_1");
    const liveRow = live.closest("tr")!;
    expect(within(liveRow).getByText("Live")).toBeInTheDocument();
    expect(liveRow).toHaveTextContent("deploy-bot");
    expect(liveRow).toHaveTextContent("0:07");
    expect(liveRow).toHaveTextContent("812 B");
    expect(liveRow).toHaveTextContent("2 commands");
    expect(within(liveRow).queryByText("Truncated")).toBeNull();

    const truncated = screen.getByRole("link", { name: "Rotate keys" }).closest("tr")!;
    expect(within(truncated).getByText("Finished")).toBeInTheDocument();
    expect(within(truncated).getByText("Truncated")).toBeInTheDocument();
    expect(truncated).toHaveTextContent("1:05");
    expect(truncated).toHaveTextContent("5.0 MiB");
    expect(truncated).toHaveTextContent("1 command");

    await user.click(screen.getByRole("button", { name: "Load more" }));
    expect(await screen.findByRole("link", { name: "Older" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
    expect(calls.map((c) => [c.query.get("before"), c.query.get("limit")])).toEqual([
      [null, "50"],
      ["cursor", "50"],
    ]);
  });

  it("filters by the session in the URL and offers the whole list back", async () => {
    const calls = stubApi({ "GET /api/v1/recordings": () => ({ body: { items: [makeRecording()], next_before: null } }) });
    renderAt(<RecordingsPage />, "/recordings?session_id=ses_9", "/recordings");
    expect(await screen.findByText(/Recordings of session/)).toHaveTextContent("ses_9");
    expect(screen.getByRole("link", { name: "Show all recordings" })).toHaveAttribute("href", "/recordings");
    expect(calls[0]!.query.get("session_id")).toBe("ses_9");
  });

  it("says when there are none", async () => {
    stubApi({ "GET /api/v1/recordings": () => ({ body: { items: [], next_before: null } }) });
    renderAt(<RecordingsPage />, "/recordings", "/recordings");
    expect(await screen.findByText("No recordings yet")).toBeInTheDocument();
  });

  it("shows a failure and tries again", async () => {
    const user = userEvent.setup();
    let fail = true;
    stubApi({
      "GET /api/v1/recordings": () =>
        fail
          ? { status: 500, body: { error: { code: "internal", message: "database down", details: {} } } }
          : { body: { items: [makeRecording({ title: "Back" })], next_before: null } },
    });
    renderAt(<RecordingsPage />, "/recordings", "/recordings");
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load recordings: database down");
    fail = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("link", { name: "Back" })).toBeInTheDocument();
  });
});

describe("recording formats", () => {
  it("formats sizes, clocks and spoken positions", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GiB");
    expect(formatClock(0)).toBe("0:00");
    expect(formatClock(65.9)).toBe("1:05");
    expect(formatClock(3723)).toBe("1:02:03");
    expect(spokenClock(0)).toBe("0 seconds");
    expect(spokenClock(61)).toBe("1 minute 1 second");
    expect(spokenClock(7322)).toBe("2 hours 2 minutes 2 seconds");
  });
});
