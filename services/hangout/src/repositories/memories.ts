import { dbSpan } from "@hangout/platform/telemetry";
import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import type { HangoutDatabase } from "../db/index.ts";
import { type MemoryStatus, memories } from "../db/schema.ts";

export type MemoryRow = typeof memories.$inferSelect;
export type NewMemoryRow = typeof memories.$inferInsert;

export function createMemoriesRepository(db: HangoutDatabase) {
  return {
    insertMany: (rows: NewMemoryRow[]) =>
      dbSpan("INSERT", "memories", async () => {
        await db.insert(memories).values(rows);
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

    markConfirmed: (ids: string[], at: Date) =>
      dbSpan("UPDATE", "memories", async () => {
        if (!ids.length) return;
        await db
          .update(memories)
          .set({ status: "confirmed", confirmedAt: at })
          .where(and(inArray(memories.id, ids), eq(memories.status, "pending")));
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

    /** Work for the sweeper: memories being deleted, and pending ones older than `before`. */
    unfinished: (before: Date, limit: number) =>
      dbSpan("SELECT", "memories", () =>
        db
          .select()
          .from(memories)
          .where(
            or(
              eq(memories.status, "deleting"),
              and(eq(memories.status, "pending"), lt(memories.createdAt, before)),
            ),
          )
          .limit(limit),
      ),
  };
}

export type MemoriesRepository = ReturnType<typeof createMemoriesRepository>;
