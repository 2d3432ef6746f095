/**
 * Shared by the pagination walks: what a walk of a keyset-paginated list must return, whatever
 * was inserted while it ran, and in which order.
 */
import { expect } from "bun:test";

/** Every pre-existing id exactly once; nothing twice; nothing that never existed. */
export function expectExactWalk(
  walked: string[],
  preExisting: string[],
  insertedDuringWalk: string[],
) {
  expect(new Set(walked).size).toBe(walked.length);
  const seen = new Set(walked);
  expect(preExisting.filter((id) => !seen.has(id))).toEqual([]);
  const allowed = new Set([...preExisting, ...insertedDuringWalk]);
  expect(walked.filter((id) => !allowed.has(id))).toEqual([]);
}

export const compareKeys = (a: [number, string], b: [number, string]) =>
  a[0] !== b[0] ? a[0] - b[0] : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/** Strictly increasing (or decreasing) `[time, id]` keys: the order, and no duplicates. */
export function expectStrictOrder(keys: [number, string][], direction: "asc" | "desc") {
  for (let i = 1; i < keys.length; i++) {
    const sign = Math.sign(compareKeys(keys[i - 1]!, keys[i]!));
    expect(sign).toBe(direction === "asc" ? -1 : 1);
  }
}
