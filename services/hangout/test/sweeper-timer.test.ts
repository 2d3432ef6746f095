import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Stack, startStack, type TestUser } from "./harness.ts";
import { sweeperHelpers, TTL_SECONDS } from "./sweeper.fixture.ts";

/*
 * The sweeper on its own timer (src/tasks/sweeper.ts): a stack with a 1-second interval, and the
 * test only waits for the timer's sweep. What one sweep settles: sweeper.test.ts.
 */

describe("the sweeper on its timer", () => {
  let stack: Stack;
  let h: ReturnType<typeof sweeperHelpers>;
  let owner: TestUser;

  beforeAll(async () => {
    stack = await startStack({
      HANGOUT_SWEEP_INTERVAL_SECONDS: "1",
      HANGOUT_PENDING_MEMORY_TTL_SECONDS: String(TTL_SECONDS),
    });
    h = sweeperHelpers(stack);
    owner = await stack.user("Timer owner");
  });
  afterAll(async () => {
    await h.close();
    await stack.stop();
  });

  /** Polls until `check` holds, or fails at the deadline. */
  async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await Bun.sleep(100);
    }
  }

  test("settles stale pending, stuck deleting and deleted hangouts; leaves fresh pending alone", async () => {
    const hangoutId = await h.createHangout(owner, "Timer");
    const stale = await h.memories(owner, hangoutId, 2);
    const stuck = await h.memories(owner, hangoutId, 1, { confirm: true });
    const doomed = await h.createHangout(owner, "Timer doomed");
    const doomedMemories = await h.memories(owner, doomed, 1, { confirm: true });
    const [staleFiles, stuckFiles, doomedFiles] = await Promise.all(
      [stale, stuck, doomedMemories].map((ids) => h.fileIdsOf(ids)),
    );
    stack.advance(TTL_SECONDS + 1);
    const fresh = await h.memories(owner, hangoutId, 1);
    const [freshFile] = await h.fileIdsOf(fresh);
    // Crashes simulated after the fresh memory exists, so the sweep that finishes them ran
    // after it was there too.
    await h.query("UPDATE memories SET status = 'deleting' WHERE id IN (?)", [
      [...stuck, ...doomedMemories],
    ]);
    await h.query("UPDATE hangouts SET deleted_at = UTC_TIMESTAMP(3) WHERE id = ?", [doomed]);

    const all = [...stale, ...stuck, ...doomedMemories];
    await eventually(
      async () =>
        (await h.memoryRows(all)).size === 0 && (await h.hangoutRow(doomed)) === undefined,
      "the timer's sweep settled everything",
    );
    await h.expectGone(all, [...staleFiles!, ...stuckFiles!, ...doomedFiles!]);
    expect((await h.memoryRows(fresh)).get(fresh[0]!)?.status).toBe("pending");
    expect((await h.fileRows([freshFile!])).get(freshFile!)).toBe("PENDING");
    expect(stack.hangoutLogs.filter((l) => /"level":"(error|fatal)"/.test(l))).toEqual([]);
  });
});
