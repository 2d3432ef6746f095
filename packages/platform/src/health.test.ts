import { describe, expect, test } from "bun:test";
import { runReadinessChecks } from "./health.ts";

const failing = async () => {
  throw new Error("connection refused");
};
const passing = async () => {};

describe("runReadinessChecks", () => {
  test("a failing check makes the service unready", async () => {
    const report = await runReadinessChecks([
      { name: "database", check: passing },
      { name: "upstream", check: failing },
    ]);
    expect(report).toEqual({
      ready: false,
      checks: { database: "ok", upstream: "failed: connection refused" },
    });
  });

  test("a failing non-critical check is reported but leaves the service ready", async () => {
    const report = await runReadinessChecks([
      { name: "database", check: passing },
      { name: "broker", check: failing, critical: false },
    ]);
    expect(report).toEqual({
      ready: true,
      checks: { database: "ok", broker: "failed: connection refused" },
    });
  });
});
