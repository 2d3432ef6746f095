/**
 * Shared by the sweeper tests: helpers bound to one stack that arrange memories and hangouts,
 * read what is left of them in hangout, in file and in its store, and run one sweep as the
 * timer runs it.
 */
import { expect } from "bun:test";
import mysql from "mysql2/promise";
import { createHangout, query, uploadMemories } from "./fixtures.ts";
import type { Stack, TestUser } from "./harness.ts";

export const TTL_SECONDS = 60;

/** Helpers bound to one stack. */
export function sweeperHelpers(stack: Stack) {
  const fileDb = mysql.createPool({ uri: stack.file.database.url, timezone: "Z" });
  const fileQuery = async <T = Record<string, unknown>>(sql: string, values: unknown[] = []) =>
    (await fileDb.query(sql, values))[0] as T[];

  const helpers = {
    query: <T = Record<string, unknown>>(sql: string, values: unknown[] = []) =>
      query<T>(stack, sql, values),
    close: () => fileDb.end(),

    createHangout: async (user: TestUser, title = "Sweep me") =>
      (await createHangout(stack, user, { title, startsAt: "2028-04-04T12:00:00Z" })).id,

    /** Upload URLs for `count` PNGs; `put` uploads the bytes, `confirm` confirms them too. */
    memories: (
      user: TestUser,
      hangoutId: string,
      count: number,
      { put = false, confirm = false } = {},
    ) => uploadMemories(stack, user, hangoutId, { count, put, confirm }),

    /** memory id → its row's status and file id (absent when the row is gone). */
    async memoryRows(ids: string[]) {
      if (!ids.length) return new Map<string, { status: string; fileId: string }>();
      const rows = await helpers.query<{ id: string; status: string; file_id: string }>(
        "SELECT id, status, file_id FROM memories WHERE id IN (?)",
        [ids],
      );
      return new Map(rows.map((r) => [r.id, { status: r.status, fileId: r.file_id }]));
    },

    async fileIdsOf(memoryIds: string[]) {
      const rows = await helpers.memoryRows(memoryIds);
      const fileIds = memoryIds.map((id) => rows.get(id)?.fileId);
      expect(fileIds.every((id) => id !== undefined)).toBe(true);
      return fileIds as string[];
    },

    /** file id → status in the file service's database (absent when the row is gone). */
    async fileRows(fileIds: string[]) {
      if (!fileIds.length) return new Map<string, string>();
      const rows = await fileQuery<{ id: string; status: string }>(
        "SELECT id, status FROM files WHERE id IN (?)",
        [fileIds],
      );
      return new Map(rows.map((r) => [r.id, r.status]));
    },

    /**
     * Whether an object of `fileId` is in the S3-compatible store: its upload (quarantined under
     * `incoming/` until processed) or its metadata-free copy (docs/decisions/0018).
     */
    inStore: async (fileId: string) =>
      (await stack.file.hasObject(`incoming/${fileId}`)) ||
      stack.file.hasObject(`media/${fileId}/original`),

    /**
     * Moves an upload's expiry further into the past than the file service's grace period
     * (FILE_REAPER_GRACE_SECONDS), so the file service no longer confirms it.
     */
    async expireUpload(fileId: string) {
      const [result] = await fileDb.query<mysql.ResultSetHeader>(
        "UPDATE files SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 HOUR WHERE id = ? AND status = 'PENDING'",
        [fileId],
      );
      expect(result.affectedRows).toBe(1);
    },

    /** Everything of these memories is gone: rows, file rows and objects. */
    async expectGone(memoryIds: string[], fileIds: string[]) {
      expect([...(await helpers.memoryRows(memoryIds)).keys()]).toEqual([]);
      expect([...(await helpers.fileRows(fileIds)).entries()]).toEqual([]);
      for (const fileId of fileIds) expect(await helpers.inStore(fileId)).toBe(false);
    },

    async hangoutRow(id: string) {
      return (await helpers.query("SELECT id, deleted_at FROM hangouts WHERE id = ?", [id]))[0];
    },

    /** One sweep as the timer runs it: pending memories older than the TTL are settled. */
    sweep() {
      const { memories, clock, config } = stack.hangout.deps;
      return memories.sweep(
        new Date(clock().getTime() - config.HANGOUT_PENDING_MEMORY_TTL_SECONDS * 1000),
      );
    },
  };
  return helpers;
}
