import { describe, expect, it, vi } from "vitest";
import type { AgentSessionDetail } from "../api";
import { makeAgentSession } from "../test/factories";
import { AgentSessionCache } from "./agentSessions";

function deferred() {
  let resolve!: (value: AgentSessionDetail) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<AgentSessionDetail>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("AgentSessionCache", () => {
  it("fetches once per session and shares the copy", async () => {
    const fetcher = vi.fn(async () => makeAgentSession());
    const cache = new AgentSessionCache(fetcher);
    cache.load("ses_1");
    cache.load("ses_1");
    expect(cache.get("ses_1").status).toBe("loading");
    await flush();
    cache.load("ses_1");
    expect(cache.get("ses_1").status).toBe("ready");
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it("refetches at once when a watched session changes, otherwise on the next look", async () => {
    const fetcher = vi.fn(async () => makeAgentSession());
    const cache = new AgentSessionCache(fetcher);
    cache.load("ses_1");
    await flush();
    cache.invalidate("ses_1");
    expect(fetcher).toHaveBeenCalledTimes(1); // nobody watching
    cache.load("ses_1");
    expect(fetcher).toHaveBeenCalledTimes(2);
    await flush();
    const listener = vi.fn();
    const stop = cache.subscribe("ses_1", listener);
    cache.invalidate("ses_1");
    expect(fetcher).toHaveBeenCalledTimes(3);
    // While refreshing, the last copy stays on screen.
    expect(cache.get("ses_1")).toMatchObject({ status: "loading", detail: { id: "ses_1" } });
    await flush();
    expect(listener).toHaveBeenCalled();
    stop();
    cache.invalidate("unknown");
    expect(fetcher).toHaveBeenCalledTimes(3);
  });

  it("ignores an answer overtaken by a newer fetch, and keeps errors retryable", async () => {
    const first = deferred();
    const second = deferred();
    const fetcher = vi.fn().mockReturnValueOnce(first.promise).mockReturnValueOnce(second.promise).mockRejectedValueOnce(new Error("down"));
    const cache = new AgentSessionCache(fetcher);
    cache.subscribe("ses_1", () => undefined);
    cache.load("ses_1");
    cache.invalidate("ses_1");
    first.resolve(makeAgentSession({ goal: "old" }));
    second.resolve(makeAgentSession({ goal: "new" }));
    await flush();
    expect(cache.get("ses_1")).toMatchObject({ status: "ready", detail: { goal: "new" } });
    cache.invalidate("ses_1");
    await flush();
    expect(cache.get("ses_1")).toMatchObject({ status: "error", detail: { goal: "new" } });
    fetcher.mockResolvedValueOnce(makeAgentSession({ goal: "back" }));
    cache.load("ses_1");
    await flush();
    expect(cache.get("ses_1")).toMatchObject({ status: "ready", detail: { goal: "back" } });
  });
});
