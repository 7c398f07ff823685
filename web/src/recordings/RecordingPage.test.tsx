import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RecordingDetail } from "../api";
import { makeMarker, makeRecordingDetail } from "../test/factories";
import { FakePlayer } from "../test/fakePlayer";
import { asWebSocket, FakeWebSocket } from "../test/fakeWebSocket";
import { apiError, json, stubFetch } from "../test/http";
import { location, renderAt } from "../test/renderAt";
import { RecordingPage } from "./RecordingPage";

vi.mock("./terminalPlayer", () => import("../test/fakePlayer"));

const CAST = [
  JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1893456000, title: "Ship it" }),
  JSON.stringify([0.5, "m", "make build"]),
  JSON.stringify([0.6, "o", "ok\r\n"]),
].join("\n");

function serve(detail: RecordingDetail | (() => RecordingDetail), cast: () => Response = () => new Response(CAST, { status: 200 })) {
  return stubFetch({
    [`GET /api/v1/recordings/rec_1`]: () => json(200, typeof detail === "function" ? detail() : detail),
    [`GET /api/v1/recordings/rec_1/cast`]: cast,
  });
}

function open(url = "/recordings/rec_1") {
  return renderAt(<RecordingPage WebSocketImpl={asWebSocket} />, url, "/recordings/:id");
}

async function mounted(): Promise<FakePlayer> {
  return waitFor(() => FakePlayer.current());
}

beforeEach(() => {
  FakePlayer.reset();
  FakeWebSocket.reset();
});
afterEach(() => vi.unstubAllGlobals());

describe("RecordingPage, a finished recording", () => {
  it("loads the cast into the player, with the facts and a download link", async () => {
    serve(makeRecordingDetail({ id: "rec_1", title: "Ship <i>it</i>", truncated: true, width: 100, height: 30 }));
    open();
    expect(await screen.findByRole("heading", { level: 1, name: "Ship <i>it</i>" })).toBeInTheDocument();
    const player = await mounted();
    expect(player.source).toEqual({ kind: "cast", cast: CAST });
    expect(player.options).toMatchObject({ speed: 1, autoPlay: false, cols: 100, rows: 30 });
    expect(screen.getByRole("link", { name: "Download .cast" })).toHaveAttribute("href", "/api/v1/recordings/rec_1/cast?download=true");
    expect(screen.getAllByText("Truncated").length).toBeGreaterThan(0);
    expect(screen.getByRole("link", { name: "ses_1" })).toHaveAttribute("href", "/sessions/ses_1");
  });

  it("lists the commands with their exit codes, and a click seeks the player to one", async () => {
    const user = userEvent.setup();
    serve(
      makeRecordingDetail({
        id: "rec_1",
        markers: [
          makeMarker({ time: 0.5, label: "make build", command_id: "cmd_1", exit_code: 0 }),
          makeMarker({ time: 12.25, label: "make deploy\u001b[2J", command_id: "cmd_2", exit_code: 2 }),
          makeMarker({ time: 40, label: "[encrypted command]", command_id: "cmd_3", exit_code: null, finished: false }),
        ],
      }),
    );
    open();
    const player = await mounted();
    const list = await screen.findByRole("list", { name: "Commands in this recording" });
    const items = within(list).getAllByRole("listitem");
    expect(items[0]).toHaveTextContent(/0:00 make build.*exit 0.*cmd_1/);
    expect(items[1]).toHaveTextContent(/0:12 make deploy\\x1b\[2J.*exit 2.*cmd_2/);
    expect(items[2]).toHaveTextContent(/0:40 \[encrypted command\].*running/);
    expect(within(items[1]!).getByRole("link", { name: "Command cmd_2" })).toHaveAttribute("href", "/commands/cmd_2");

    await user.click(within(items[1]!).getByRole("button", { name: /^Jump to 0:12 make deploy/ }));
    expect(player.seeks).toEqual([12.25]);
    await waitFor(() => expect(items[1]).toHaveAttribute("aria-current", "true"));
    expect(screen.getByRole("slider", { name: "Position" })).toHaveValue("12.25");
    expect(screen.getByRole("slider", { name: "Position" })).toHaveAttribute("aria-valuetext", "12 seconds of 1 minute");
  });

  it("plays and pauses, and a new speed carries on from the same place", async () => {
    const user = userEvent.setup();
    serve(makeRecordingDetail({ id: "rec_1" }));
    open();
    const first = await mounted();
    const play = await screen.findByRole("button", { name: "Play" });
    await waitFor(() => expect(play).toBeEnabled());
    await user.click(play);
    expect(await screen.findByRole("button", { name: "Pause" })).toBeInTheDocument();
    first.time = 3.5;

    await user.selectOptions(screen.getByRole("combobox", { name: "Speed" }), "4");
    const second = await waitFor(() => {
      const p = FakePlayer.current();
      expect(p).not.toBe(first);
      return p;
    });
    expect(first.disposed).toBe(true);
    expect(second.options.speed).toBe(4);
    await waitFor(() => expect(second.seeks).toEqual([3.5]));
    expect(await screen.findByRole("button", { name: "Pause" })).toBeInTheDocument();
    expect(screen.getAllByRole("option").map((o) => o.textContent)).toEqual(["0.5×", "1×", "1.5×", "2×", "4×", "8×"]);

    await user.click(screen.getByRole("button", { name: "Pause" }));
    expect(await screen.findByRole("button", { name: "Play" })).toBeInTheDocument();
  });

  it("seeks with the position slider", async () => {
    serve(makeRecordingDetail({ id: "rec_1" }));
    open();
    const player = await mounted();
    const slider = screen.getByRole("slider", { name: "Position" });
    await waitFor(() => expect(slider).toBeEnabled());
    fireEvent.change(slider, { target: { value: "7" } });
    expect(player.seeks).toEqual([7]);
    await waitFor(() => expect(slider).toHaveValue("7"));
  });

  it("opens at a command's marker when linked from the command", async () => {
    serve(makeRecordingDetail({ id: "rec_1" }));
    open("/recordings/rec_1?command=cmd_2");
    const player = await mounted();
    await waitFor(() => expect(player.seeks).toEqual([12.25]));
    expect(location().search).toBe("?command=cmd_2");
  });

  it("says when the cast cannot be loaded", async () => {
    serve(makeRecordingDetail({ id: "rec_1" }), () => apiError(500, "internal", "storage unavailable"));
    open();
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load the recording: storage unavailable");
    expect(FakePlayer.mounted).toHaveLength(0);
  });

  it("says when there is no such recording", async () => {
    stubFetch({ "GET /api/v1/recordings/nope": () => apiError(404, "not_found", "no such recording") });
    renderAt(<RecordingPage />, "/recordings/nope", "/recordings/:id");
    expect(await screen.findByRole("heading", { name: "No such recording" })).toBeInTheDocument();
  });

  it("shows an error with a retry when the recording cannot be read", async () => {
    const user = userEvent.setup();
    let fail = true;
    stubFetch({
      "GET /api/v1/recordings/rec_1": () => (fail ? apiError(403, "forbidden", "not yours") : json(200, makeRecordingDetail({ id: "rec_1" }))),
      "GET /api/v1/recordings/rec_1/cast": () => new Response(CAST),
    });
    open();
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load this recording: not yours");
    fail = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("list", { name: "Commands in this recording" })).toBeInTheDocument();
  });
});

describe("RecordingPage, a live recording", () => {
  it("follows the live socket, lists commands without seeking, and replays once it finishes", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      let detail = makeRecordingDetail({
        id: "rec_1",
        status: "live",
        ended_at: null,
        markers: [makeMarker({ time: 0.5, label: "make build", command_id: "cmd_1", exit_code: null, finished: false })],
      });
      const net = serve(() => detail);
      open();
      const player = await mounted();
      expect(player.source).toMatchObject({ kind: "live", url: `ws://${window.location.host}/api/v1/recordings/rec_1/live` });
      expect(player.options.autoPlay).toBe(true);
      expect(screen.getByText(/Following the agent’s terminal/)).toBeInTheDocument();
      expect(screen.queryByRole("button", { name: /Jump to/ })).toBeNull();
      expect(screen.queryByRole("slider")).toBeNull();
      expect(screen.getByText("running")).toBeInTheDocument();

      // The agent's command ends and the session closes: the server closes the live socket with 1000.
      detail = { ...detail, status: "finished", ended_at: "2030-01-01T00:01:05Z", markers: [{ ...detail.markers[0]!, exit_code: 0, finished: true }] };
      const source = player.source;
      if (source.kind !== "live") throw new Error("not live");
      act(() => source.onFinished?.());
      await act(() => vi.advanceTimersByTimeAsync(1500));

      const replay = await waitFor(() => {
        const p = FakePlayer.current();
        expect(p.source.kind).toBe("cast");
        return p;
      });
      expect(player.disposed).toBe(true);
      expect(replay.options.autoPlay).toBe(false);
      expect(await screen.findByRole("button", { name: /Jump to 0:00 make build/ })).toBeInTheDocument();
      expect(screen.getByText("exit 0")).toBeInTheDocument();
      expect(net.requests.filter((r) => r.url.endsWith("/cast"))).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
