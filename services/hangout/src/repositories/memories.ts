import { runTransaction } from "@hangout/platform/db";
import { type HotSql, hotRun } from "@hangout/platform/hot-sql";
import { dbSpan } from "@hangout/platform/telemetry";
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, ne, or } from "drizzle-orm";
import type { HangoutDatabase } from "../db/index.ts";
import { hangouts, type MemoryStatus, memories } from "../db/schema.ts";
import { recordChanges } from "./live.ts";
import { type HangoutEvent, type HangoutTransaction, lockLiveHangout } from "./outbox.ts";

export type MemoryRow = typeof memories.$inferSelect;
export type NewMemoryRow = typeof memories.$inferInsert;

// An upload batch is one multi-row INSERT, a hot statement on Bun's client (one per batch size):
// docs/decisions/0002-hot-queries.md, 0021-hot-statements-on-bun-sql.md. memories.test.ts checks
// it stores what Drizzle's insert would.
const INSERT_MEMORIES = `INSERT INTO memories
  (id, hangout_id, file_id, uploaded_by, filename, content_type, size, status, created_at,
   confirmed_at, photo_status, failure_reason, width, height, placeholder, processed_at)
  VALUES`;
const MEMORY_PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

const memoryValues = (row: NewMemoryRow) => [
  row.id,
  row.hangoutId,
  row.fileId,
  row.uploadedBy,
  row.filename,
  row.contentType,
  row.size,
  row.status,
  row.createdAt,
  row.confirmedAt ?? null,
  row.photoStatus,
  row.failureReason ?? null,
  row.width ?? null,
  row.height ?? null,
  row.placeholder ?? null,
  row.processedAt ?? null,
];

/** How a photo's processing ended, as the memory stores it. */
export type PhotoOutcome = Pick<
  MemoryRow,
  "failureReason" | "width" | "height" | "placeholder" | "processedAt"
> & { photoStatus: "ready" | "failed" };

export function createMemoriesRepository(db: HangoutDatabase, hot: HotSql) {
  return {
    /** An upload batch is one statement: all of its rows are stored, or none. */
    insertMany: (rows: NewMemoryRow[]) =>
      dbSpan("INSERT", "memories", async () => {
        if (!rows.length) return;
        const placeholders = rows.map(() => MEMORY_PLACEHOLDERS).join(", ");
        await hotRun(hot, `${INSERT_MEMORIES} ${placeholders}`, rows.flatMap(memoryValues));
      }),

    findById: (id: string) =>
      dbSpan("SELECT", "memories", async () => {
        const [row] = await db.select().from(memories).where(eq(memories.id, id)).limit(1);
        return row;
      }),

    findInHangout: (hangoutId: string, ids: string[], status?: MemoryStatus) =>
      dbSpan("SELECT", "memories", () =>
        db
          .select()
          .from(memories)
          .where(
            and(
              eq(memories.hangoutId, hangoutId),
              inArray(memories.id, ids),
              status ? eq(memories.status, status) : undefined,
            ),
          ),
      ),

    /**
     * Confirms those of the memories still pending in a hangout not deleted, with the events
     * `describe` makes of them, in one transaction that locks their hangouts first. Returns the
     * memories this call confirmed (not those another confirmed meanwhile).
     */
    markConfirmed: (
      ids: string[],
      at: Date,
      describe: (confirmed: MemoryRow[]) => HangoutEvent[] = () => [],
    ) =>
      dbSpan("UPDATE", "memories", async (): Promise<MemoryRow[]> => {
        if (!ids.length) return [];
        return runTransaction(db, async (tx) => {
          const owners = await tx
            .selectDistinct({ hangoutId: memories.hangoutId })
            .from(memories)
            .where(inArray(memories.id, ids));
          if (!owners.length) return [];
          const live = await tx
            .select({ id: hangouts.id })
            .from(hangouts)
            .where(
              and(
                inArray(
                  hangouts.id,
                  owners.map((row) => row.hangoutId),
                ),
                isNull(hangouts.deletedAt),
              ),
            )
            .orderBy(asc(hangouts.id))
            .for("update");
          if (!live.length) return [];
          const pending = await tx
            .select()
            .from(memories)
            .where(
              and(
                inArray(memories.id, ids),
                eq(memories.status, "pending"),
                inArray(
                  memories.hangoutId,
                  live.map((row) => row.id),
                ),
              ),
            )
            .for("update");
          if (!pending.length) return [];
          await tx
            .update(memories)
            .set({ status: "confirmed", confirmedAt: at })
            .where(
              inArray(
                memories.id,
                pending.map((row) => row.id),
              ),
            );
          const confirmed = pending.map((row) => ({
            ...row,
            status: "confirmed" as const,
            confirmedAt: at,
          }));
          await recordChanges(tx, describe(confirmed));
          return confirmed;
        });
      }),

    /**
     * Hides a confirmed memory (→ deleting) with the events `describe` makes of it, in one
     * transaction that locks its hangout. Returns the memory if it is now being deleted (by this
     * call or another), undefined when it or its hangout is gone.
     */
    hideConfirmed: (
      memory: Pick<MemoryRow, "id" | "hangoutId">,
      describe: (memory: MemoryRow) => HangoutEvent[],
    ) =>
      dbSpan("UPDATE", "memories", () =>
        runTransaction(db, async (tx): Promise<MemoryRow | undefined> => {
          if (!(await lockLiveHangout(tx, memory.hangoutId))) return undefined;
          const [row] = await tx
            .select()
            .from(memories)
            .where(eq(memories.id, memory.id))
            .for("update");
          if (row?.status === "deleting") return row;
          if (row?.status !== "confirmed") return undefined;
          await tx.update(memories).set({ status: "deleting" }).where(eq(memories.id, row.id));
          await recordChanges(tx, describe(row));
          return { ...row, status: "deleting" };
        }),
      ),

    /**
     * Stores how the photo of `fileId` left processing, with the events `describe` makes of it,
     * in the caller's transaction (the consumer's inbox one), after locking the memory's
     * hangout. Only a photo still processing changes: the first outcome wins, and a memory
     * being deleted (or of a deleted hangout) stays as it is. Returns the memory it changed.
     */
    recordProcessed: (
      tx: HangoutTransaction,
      fileId: string,
      outcome: PhotoOutcome,
      describe: (memory: MemoryRow) => HangoutEvent[],
    ) =>
      dbSpan("UPDATE", "memories", async (): Promise<MemoryRow | undefined> => {
        const changes = (row: MemoryRow | undefined): row is MemoryRow =>
          row !== undefined && row.status !== "deleting" && row.photoStatus === "processing";
        const [seen] = await tx.select().from(memories).where(eq(memories.fileId, fileId));
        if (!changes(seen)) return undefined;
        if (!(await lockLiveHangout(tx, seen.hangoutId))) return undefined;
        const [row] = await tx
          .select()
          .from(memories)
          .where(eq(memories.id, seen.id))
          .for("update");
        if (!changes(row)) return undefined;
        await tx.update(memories).set(outcome).where(eq(memories.id, row.id));
        const processed = { ...row, ...outcome };
        await recordChanges(tx, describe(processed));
        return processed;
      }),

    /** Confirmed memories of a hangout, newest first, after the keyset position. */
    listConfirmed: (
      hangoutId: string,
      after: { at: Date; id: string } | undefined,
      limit: number,
    ) =>
      dbSpan("SELECT", "memories", () =>
        db
          .select()
          .from(memories)
          .where(
            and(
              eq(memories.hangoutId, hangoutId),
              eq(memories.status, "confirmed"),
              after
                ? or(
                    lt(memories.createdAt, after.at),
                    and(eq(memories.createdAt, after.at), lt(memories.id, after.id)),
                  )
                : undefined,
            ),
          )
          .orderBy(desc(memories.createdAt), desc(memories.id))
          .limit(limit),
      ),

    /** Hides memories (→ deleting) before their files are deleted; returns their rows. */
    markDeleting: (where: { ids?: string[]; hangoutId?: string }) =>
      dbSpan("UPDATE", "memories", async () => {
        const condition = where.ids
          ? inArray(memories.id, where.ids)
          : eq(memories.hangoutId, where.hangoutId ?? "");
        await db.update(memories).set({ status: "deleting" }).where(condition);
        return db
          .select()
          .from(memories)
          .where(and(condition, eq(memories.status, "deleting")));
      }),

    removeMany: (ids: string[]) =>
      dbSpan("DELETE", "memories", async () => {
        if (ids.length) await db.delete(memories).where(inArray(memories.id, ids));
      }),

    /**
     * Work for the sweeper: memories being deleted, pending ones older than `before`, and every
     * memory of a deleted hangout, reported as `deleting` whatever its status: a crash right
     * after DELETE /hangouts/{id} set `deleted_at` (before the purge hid them) leaves them
     * confirmed or pending, and the hangout could otherwise never be removed.
     */
    unfinished: (before: Date, limit: number) =>
      dbSpan("SELECT", "memories", async (): Promise<MemoryRow[]> => {
        const rows = await db
          .select()
          .from(memories)
          .where(
            or(
              eq(memories.status, "deleting"),
              and(eq(memories.status, "pending"), lt(memories.createdAt, before)),
            ),
          )
          .limit(limit);
        if (rows.length >= limit) return rows;
        const seen = new Set(rows.map((row) => row.id));
        const orphaned = await db
          .select({ memory: memories })
          .from(hangouts)
          .innerJoin(memories, eq(memories.hangoutId, hangouts.id))
          .where(and(isNotNull(hangouts.deletedAt), ne(memories.status, "deleting")))
          .limit(limit - rows.length);
        return [
          ...rows,
          ...orphaned
            .filter(({ memory }) => !seen.has(memory.id))
            .map(({ memory }) => ({ ...memory, status: "deleting" as const })),
        ];
      }),
  };
}

export type MemoriesRepository = ReturnType<typeof createMemoriesRepository>;
