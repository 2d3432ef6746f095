import { describe, expect, test } from "bun:test";
import { FormatRegistry } from "@sinclair/typebox";
import "./docs.ts";

describe("string formats after the OpenAPI plugin loads", () => {
  test("email, uuid and date-time are Elysia's regex checks again, and still correct", () => {
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
    const dateTime = FormatRegistry.Get("date-time")!;
    expect(dateTime("2026-11-22T00:53:23.366Z")).toBe(true);
    expect(dateTime("2026-13-45 nope")).toBe(false);
  });
});
