import { expect, test } from "bun:test";
import type { HangoutSummary } from "../api/types.ts";
import { splitByTime } from "./hangout-order.ts";
import { nextPath } from "./next-path.ts";

const hangout = (id: string, startsAt: string, endsAt: string | null = null) =>
  ({ id, startsAt, endsAt }) as HangoutSummary;

test("upcoming soonest first, past latest first; one under way is still upcoming", () => {
  const now = Date.parse("2027-01-10T12:00:00Z");
  const { upcoming, past } = splitByTime(
    [
      hangout("later", "2027-02-01T10:00:00Z"),
      hangout("long-ago", "2026-01-01T10:00:00Z"),
      hangout("under-way", "2027-01-10T10:00:00Z", "2027-01-10T14:00:00Z"),
      hangout("yesterday", "2027-01-09T10:00:00Z"),
      hangout("soon", "2027-01-11T10:00:00Z"),
    ],
    now,
  );
  expect(upcoming.map((h) => h.id)).toEqual(["under-way", "soon", "later"]);
  expect(past.map((h) => h.id)).toEqual(["yesterday", "long-ago"]);
});

test("after logging in, only a path of this app is followed", () => {
  expect(nextPath({ next: "/hangout/abc" })).toBe("/hangout/abc");
  expect(nextPath({ next: "https://evil.example" })).toBe("/");
  expect(nextPath({ next: "//evil.example/x" })).toBe("/");
  expect(nextPath({})).toBe("/");
});
