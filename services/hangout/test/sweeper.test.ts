import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Stack, startStack, type TestUser } from "./harness.ts";
import { sweeperHelpers, TTL_SECONDS } from "./sweeper.fixture.ts";

/*
 * The sweeper (src/tasks/sweeper.ts → memories.sweep in src/services/memories.ts) settles
 * what crashes and outages leave behind: pending memories past HANGOUT_PENDING_MEMORY_TTL_SECONDS
 * (confirmed if the file service confirms them, otherwise removed with their files), memories
 * stuck in `deleting`, and deleted hangouts not yet purged.
 *
 * These tests call the same sweep the timer runs, through `stack.hangout.deps.memories`, with the
 * cutoff sweeper.ts computes (the stack's timer is set to an hour, so it never interferes). They
 * share one stack and its clock and run in order: a later test's counts assume the earlier ones
 * left nothing unsettled, so this describe stays whole. The timer itself: sweeper-timer.test.ts.
 */

describe("a sweep", () => {
  let stack: Stack;
  let h: ReturnType<typeof sweeperHelpers>;
  let owner: TestUser;
  let hangoutId: string;

  beforeAll(async () => {
    stack = await startStack({ HANGOUT_PENDING_MEMORY_TTL_SECONDS: String(TTL_SECONDS) });
    h = sweeperHelpers(stack);
    owner = await stack.user("Sweeper owner");
    hangoutId = await h.createHangout(owner);
  });
  afterAll(async () => {
    await h.close();
    await stack.stop();
  });

  test("removes pending memories older than the TTL and deletes their files; fresh ones stay", async () => {
    const neverUploaded = await h.memories(owner, hangoutId, 2);
    const staleFiles = await h.fileIdsOf(neverUploaded);
    expect([...(await h.fileRows(staleFiles)).values()]).toEqual(["PENDING", "PENDING"]);

    stack.advance(TTL_SECONDS - 5);
    const young = await h.memories(owner, hangoutId, 1);
    // Not old enough yet: a sweep leaves them pending.
    await h.sweep();
    expect([...(await h.memoryRows(neverUploaded)).values()].map((r) => r.status)).toEqual([
      "pending",
      "pending",
    ]);

    stack.advance(10);
    const fresh = await h.memories(owner, hangoutId, 1, { put: true });
    const [freshFile] = await h.fileIdsOf(fresh);
    const result = await h.sweep();
    expect(result.settled).toBe(2);

    await h.expectGone(neverUploaded, staleFiles);
    // Younger than the TTL (by 5 s and by 65 s): untouched, file and object included.
    const left = await h.memoryRows([...young, ...fresh]);
    expect([...left.values()].map((r) => r.status)).toEqual(["pending", "pending"]);
    expect((await h.fileRows([freshFile!])).get(freshFile!)).toBe("PENDING");
    expect(await h.inStore(freshFile!)).toBe(true);

    // The fresh upload can still be confirmed after the sweep.
    const confirm = await stack
      .as(owner)
      .post(`/hangouts/${hangoutId}/memories/confirm`, { memoryIds: fresh });
    expect(((await confirm.json()) as { confirmed: unknown[] }).confirmed).toHaveLength(1);
  });

  test("a stale pending memory whose upload expired loses its object in the store too", async () => {
    const uploaded = await h.memories(owner, hangoutId, 1, { put: true });
    const [fileId] = await h.fileIdsOf(uploaded);
    expect(await h.inStore(fileId!)).toBe(true);
    // The file service no longer confirms it (upload URL lifetime + grace are over) …
    await h.expireUpload(fileId!);
    // … and the memory is past the TTL.
    stack.advance(TTL_SECONDS + 1);
    await h.sweep();
    await h.expectGone(uploaded, [fileId!]);
  });

  test("a stale pending memory whose bytes did arrive is confirmed, not deleted", async () => {
    const uploaded = await h.memories(owner, hangoutId, 1, { put: true });
    const [fileId] = await h.fileIdsOf(uploaded);
    stack.advance(TTL_SECONDS + 1);
    await h.sweep();
    expect((await h.memoryRows(uploaded)).get(uploaded[0]!)?.status).toBe("confirmed");
    // Confirmed in file too: its photo is on its way to the media worker.
    expect((await h.fileRows([fileId!])).get(fileId!)).toBe("PROCESSING");
    const listed = await stack.as(owner).get(`/hangouts/${hangoutId}/memories?limit=100`);
    const { items } = (await listed.json()) as { items: { id: string }[] };
    expect(items.map((m) => m.id)).toContain(uploaded[0]!);
  });

  test("finishes memories stuck in `deleting` (a crash between hiding and deleting)", async () => {
    const confirmed = await h.memories(owner, hangoutId, 3, { confirm: true });
    const fileIds = await h.fileIdsOf(confirmed);
    const keep = confirmed[2]!;
    // The crash: rows hidden (→ deleting), files not deleted yet.
    await h.query("UPDATE memories SET status = 'deleting' WHERE id IN (?)", [
      confirmed.slice(0, 2),
    ]);
    expect((await stack.as(owner).get(`/memories/${confirmed[0]}`)).status).toBe(404);
    for (const fileId of fileIds) expect(await h.inStore(fileId)).toBe(true);

    const result = await h.sweep();
    expect(result.deleted).toBe(2);
    await h.expectGone(confirmed.slice(0, 2), fileIds.slice(0, 2));
    // The third, still confirmed, is untouched.
    expect((await h.memoryRows([keep])).get(keep)?.status).toBe("confirmed");
    expect(await h.inStore(fileIds[2]!)).toBe(true);
    expect((await stack.as(owner).get(`/memories/${keep}`)).status).toBe(200);
  });

  test("purges a deleted hangout whose purge crashed after its memories were hidden", async () => {
    const doomed = await h.createHangout(owner, "Crashed after hiding");
    const ids = await h.memories(owner, doomed, 2, { confirm: true });
    const fileIds = await h.fileIdsOf(ids);
    await h.query("UPDATE hangouts SET deleted_at = UTC_TIMESTAMP(3) WHERE id = ?", [doomed]);
    await h.query("UPDATE memories SET status = 'deleting' WHERE hangout_id = ?", [doomed]);
    expect((await stack.as(owner).get(`/hangouts/${doomed}`)).status).toBe(404);

    const result = await h.sweep();
    expect(result.hangoutsRemoved).toBeGreaterThanOrEqual(1);
    await h.expectGone(ids, fileIds);
    expect(await h.hangoutRow(doomed)).toBeUndefined();
    expect(await h.query("SELECT * FROM members WHERE hangout_id = ?", [doomed])).toEqual([]);
  });

  test("purges a deleted hangout whose purge crashed before its memories were hidden", async () => {
    const doomed = await h.createHangout(owner, "Crashed right after deleted_at");
    const confirmed = await h.memories(owner, doomed, 2, { confirm: true });
    const pending = await h.memories(owner, doomed, 1, { put: true });
    const fileIds = await h.fileIdsOf([...confirmed, ...pending]);
    // The crash: DELETE /hangouts/{id} set deleted_at, then the process died.
    await h.query("UPDATE hangouts SET deleted_at = UTC_TIMESTAMP(3) WHERE id = ?", [doomed]);
    expect((await stack.as(owner).get(`/hangouts/${doomed}`)).status).toBe(404);
    expect((await stack.as(owner).get(`/memories/${confirmed[0]}`)).status).toBe(404);

    await h.sweep();
    await h.expectGone([...confirmed, ...pending], fileIds);
    expect(await h.hangoutRow(doomed)).toBeUndefined();
  });

  test("removes a deleted hangout that had no memories", async () => {
    const empty = await h.createHangout(owner, "Empty");
    await h.query("UPDATE hangouts SET deleted_at = UTC_TIMESTAMP(3) WHERE id = ?", [empty]);
    const result = await h.sweep();
    expect(result.hangoutsRemoved).toBe(1);
    expect(await h.hangoutRow(empty)).toBeUndefined();
    // A live hangout is never removed.
    expect(await h.hangoutRow(hangoutId)).toBeDefined();
  });

  test("concurrent sweeps settle everything once, without errors or collateral deletes", async () => {
    const live = await h.createHangout(owner, "Concurrent");
    const kept = await h.memories(owner, live, 2, { confirm: true });
    const stuck = await h.memories(owner, live, 4, { confirm: true });
    const stale = await h.memories(owner, live, 3);
    const staleUploaded = await h.memories(owner, live, 1, { put: true });
    const doomed = await h.createHangout(owner, "Concurrent doomed");
    const doomedMemories = await h.memories(owner, doomed, 2, { confirm: true });
    const [keptFiles, stuckFiles, staleFiles, doomedFiles] = await Promise.all(
      [kept, stuck, stale, doomedMemories].map((ids) => h.fileIdsOf(ids)),
    );
    await h.query("UPDATE memories SET status = 'deleting' WHERE id IN (?)", [
      [...stuck, ...doomedMemories],
    ]);
    await h.query("UPDATE hangouts SET deleted_at = UTC_TIMESTAMP(3) WHERE id = ?", [doomed]);
    stack.advance(TTL_SECONDS + 1);
    const logsBefore = stack.hangoutLogs.length;

    const results = await Promise.allSettled([h.sweep(), h.sweep(), h.sweep(), h.sweep()]);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(
      stack.hangoutLogs.slice(logsBefore).filter((l) => /"level":"(error|fatal)"/.test(l)),
    ).toEqual([]);

    await h.expectGone(
      [...stuck, ...stale, ...doomedMemories],
      [...stuckFiles!, ...staleFiles!, ...doomedFiles!],
    );
    expect(await h.hangoutRow(doomed)).toBeUndefined();
    // The stale upload whose bytes arrived is confirmed exactly once; the others are untouched.
    const rows = await h.memoryRows([...kept, ...staleUploaded]);
    expect([...rows.values()].map((r) => r.status)).toEqual([
      "confirmed",
      "confirmed",
      "confirmed",
    ]);
    for (const fileId of keptFiles!) expect(await h.inStore(fileId)).toBe(true);
    const listed = await stack.as(owner).get(`/hangouts/${live}/memories?limit=100`);
    const { items } = (await listed.json()) as { items: { id: string }[] };
    expect(items.map((m) => m.id).sort()).toEqual([...kept, ...staleUploaded].sort());

    // Nothing left for a further sweep.
    expect(await h.sweep()).toEqual({ deleted: 0, settled: 0, hangoutsRemoved: 0 });
  });
});
