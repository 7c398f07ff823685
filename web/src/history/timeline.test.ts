import { describe, expect, it } from "vitest";
import { makeAuditEvent } from "../test/factories";
import { formatOffset } from "./format";
import { buildTimeline, decisionOf } from "./timeline";

const event = makeAuditEvent;

describe("audit timeline", () => {
  it("orders events oldest first and measures each from the submission", () => {
    const decided = event("command.decided", "2030-01-01T00:00:04.250Z", {
      actor_type: "reviewer",
      actor_name: "alice",
      data: { decision: "denied", notes: "not on prod" },
    });
    const submitted = event("command.submitted", "2030-01-01T00:00:00Z");
    const notified = event("command.notified", "2030-01-01T00:00:00.120Z", { actor_type: "system", data: { reviewers: 2 } });

    const entries = buildTimeline([decided, notified, submitted]);

    expect(entries.map((e) => e.title)).toEqual(["Submitted by deploy-bot", "2 reviewers notified", "Denied by alice"]);
    expect(entries.map((e) => e.offsetMs)).toEqual([0, 120, 4250]);
    expect(entries.map((e) => formatOffset(e.offsetMs))).toEqual(["+0 ms", "+120 ms", "+4.3 s"]);
    expect(entries[2]!.note).toBe("not on prod");
  });

  it("keeps the server's order for events in the same millisecond", () => {
    const a = event("command.submitted", "2030-01-01T00:00:00Z");
    const b = event("command.decided", "2030-01-01T00:00:00Z", {
      actor_type: "system",
      actor_name: "system",
      rule_id: "rule_9",
      data: { decision: "approved", whitelisted: true },
    });
    const entries = buildTimeline([b, a]);
    expect(entries.map((e) => e.title)).toEqual(["Submitted by deploy-bot", "Approved by whitelist rule"]);
    expect(entries[1]!.ruleId).toBe("rule_9");
  });

  it("measures from created_at when the submission event is missing", () => {
    const timedOut = event("command.decided", "2030-01-01T00:02:00Z", {
      actor_type: "system",
      actor_name: "system",
      data: { decision: "timed_out" },
    });
    const [entry] = buildTimeline([timedOut], "2030-01-01T00:00:00Z");
    expect(entry!.title).toBe("Timed out");
    expect(formatOffset(entry!.offsetMs)).toBe("+2 min");
  });

  it("understands the contract's per-decision action names too", () => {
    expect(decisionOf(event("command.approved", "2030-01-01T00:00:00Z"))).toBe("approved");
    expect(decisionOf(event("command.decided", "2030-01-01T00:00:00Z", { data: { decision: "cancelled" } }))).toBe(
      "cancelled",
    );
    expect(decisionOf(event("whitelist.created", "2030-01-01T00:00:00Z"))).toBeNull();
  });

  it("says so when no reviewer could be notified", () => {
    const [entry] = buildTimeline([event("command.notified", "2030-01-01T00:00:00Z", { data: { reviewers: 0 } })]);
    expect(entry!.title).toBe("No reviewer was online to notify");
  });
});
