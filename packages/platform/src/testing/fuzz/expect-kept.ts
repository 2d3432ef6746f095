import { expect } from "bun:test";
import { type FuzzOptions, type FuzzTarget, fuzz } from "./run.ts";

/**
 * Fuzzes `targets` and fails the test unless every service kept its document's promises. From a
 * few hundred requests on, writes must have been read back and every operation tried, so the
 * checks cannot quietly stop running.
 */
export async function expectDocumentsKept(targets: FuzzTarget[], options: FuzzOptions) {
  const result = await fuzz(targets, options);
  if (process.env.FUZZ_COVERAGE === "1") {
    console.log(result.coverage, `\nread backs: ${result.readBacks}`);
  }
  expect(result.message).toBe("");
  expect(result.requests).toBeGreaterThanOrEqual(options.runs);
  if (options.runs >= 500) {
    expect(result.readBacks).toBeGreaterThan(0);
    expect(result.untried).toEqual([]);
  }
}
