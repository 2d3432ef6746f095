import { describe, expect, test } from "bun:test";
import { FormatRegistry } from "@sinclair/typebox";
import "./docs.ts";
import { isDateTime, registerFormats } from "./formats.ts";

describe("string formats after the OpenAPI plugin loads", () => {
  test("email, uuid and date-time are regex checks again, and still correct", () => {
    registerFormats({ fast: true });
    for (const name of ["email", "uuid", "date-time"]) {
      // The plugin's replacements call Zod/Valibot (`check(`, `safeParse(`) on every value.
      expect(FormatRegistry.Get(name)!.toString()).not.toMatch(/safeParse|check\(/);
    }
    const email = FormatRegistry.Get("email")!;
    expect(email("ann@example.com")).toBe(true);
    expect(email("ann@")).toBe(false);
    const uuid = FormatRegistry.Get("uuid")!;
    expect(uuid("01a200be-5526-7213-966f-346db6a4559b")).toBe(true);
    expect(uuid("not-a-uuid")).toBe(false);
    expect(FormatRegistry.Get("date-time")).toBe(isDateTime);
  });
});

describe("isDateTime", () => {
  test("RFC 3339 with Z or a ±HH:MM offset, fractions included", () => {
    for (const value of [
      "2026-11-22T00:53:23.366Z",
      "2026-06-15T18:00:00+02:00",
      "2026-06-15t18:00:00z",
      "2024-02-29T00:00:00-05:30",
      "1000-01-01T00:00:00Z",
      "9999-12-31T23:59:59.999Z",
      "9999-12-31T20:00:00-03:00",
    ]) {
      expect(isDateTime(value)).toBe(true);
    }
  });

  test("refuses what the database or the views would not hold faithfully", () => {
    for (const value of [
      "0050-06-15T12:00:00Z", // came back as 1950
      "0999-12-31T23:59:59Z",
      "1000-01-01T00:30:00+01:00", // 999 in UTC
      "9999-12-31T23:00:00-05:00", // 10000 in UTC
      "2026-06-15T18:00:00+0100", // not RFC 3339
      "2026-06-15T18:00:00", // no time zone
      "2026-06-15 18:00:00Z",
      "2026-02-30T00:00:00Z",
      "2025-02-29T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-06-15T24:00:00Z",
      "2026-06-15T23:59:60Z",
      "2026-06-15T18:00:00+24:00",
      "+002026-06-15T18:00:00Z",
      "2026-06-15T18:00:00.Z",
    ]) {
      expect(isDateTime(value)).toBe(false);
    }
  });
});
