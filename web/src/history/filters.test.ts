import { describe, expect, it } from "vitest";
import {
  filtersFromSearch,
  filtersToSearch,
  hasFilters,
  isoToLocalInput,
  localInputToIso,
  NO_FILTERS,
  toListQuery,
} from "./filters";

describe("history filters in the URL", () => {
  it("round-trips every filter through the query string", () => {
    const filters = {
      status: "denied",
      agent: "deploy-bot",
      target: "db-1",
      reviewer: "alice",
      since: "2030-01-01T08:00:00.000Z",
      until: "2030-01-02T08:00:00.000Z",
      via: "manual",
      q: "rm -rf",
    } as const;
    const search = filtersToSearch(filters);
    expect(filtersFromSearch(new URLSearchParams(search.toString()))).toEqual(filters);
    expect(search.toString()).toBe(
      "status=denied&agent=deploy-bot&target=db-1&reviewer=alice&since=2030-01-01T08%3A00%3A00.000Z" +
        "&until=2030-01-02T08%3A00%3A00.000Z&via=manual&q=rm+-rf",
    );
  });

  it("leaves unset filters out of the URL", () => {
    expect(filtersToSearch(NO_FILTERS).toString()).toBe("");
    expect(filtersToSearch({ ...NO_FILTERS, agent: "  " }).toString()).toBe("");
    expect(hasFilters(NO_FILTERS)).toBe(false);
    expect(hasFilters({ ...NO_FILTERS, via: "system" })).toBe(true);
  });

  it("drops values the server would refuse instead of sending them", () => {
    const filters = filtersFromSearch(new URLSearchParams("status=bogus&via=carrier-pigeon&since=yesterday"));
    expect(filters).toEqual(NO_FILTERS);
  });

  it("normalises any ISO instant in the URL to UTC", () => {
    const filters = filtersFromSearch(new URLSearchParams({ since: "2030-01-01T10:00:00+02:00" }));
    expect(filters.since).toBe("2030-01-01T08:00:00.000Z");
  });

  it("builds the list query from the set filters only", () => {
    expect(toListQuery({ ...NO_FILTERS, status: "pending", q: " curl ", target: "web-1" })).toEqual({
      status: "pending",
      q: "curl",
      target: "web-1",
    });
  });

  it("converts datetime-local values to UTC instants and back", () => {
    const iso = localInputToIso("2030-03-04T05:06");
    expect(iso).toBe(new Date(2030, 2, 4, 5, 6).toISOString());
    expect(isoToLocalInput(iso)).toBe("2030-03-04T05:06");
    expect(localInputToIso("")).toBe("");
    expect(localInputToIso("not a date")).toBe("");
  });
});
