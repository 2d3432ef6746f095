import { mysqlErrorCode } from "@hangout/platform/db";
import { dbSpan } from "@hangout/platform/telemetry";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { HangoutDatabase } from "../db/index.ts";
import { idempotencyKeys } from "../db/schema.ts";

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

export function createIdempotencyRepository(db: HangoutDatabase) {
  const byKey = (userId: string, key: string) =>
    and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key));
  return {
    /** Claims the key for a new request; false when a row for it already exists. */
    claim: (row: typeof idempotencyKeys.$inferInsert) =>
      dbSpan("INSERT", "idempotency_keys", async () => {
        try {
          await db.insert(idempotencyKeys).values(row);
          return true;
        } catch (error) {
          if (mysqlErrorCode(error) === "ER_DUP_ENTRY") return false;
          throw error;
        }
      }),

    find: (userId: string, key: string) =>
      dbSpan("SELECT", "idempotency_keys", async () => {
        const [row] = await db.select().from(idempotencyKeys).where(byKey(userId, key)).limit(1);
        return row;
      }),

    complete: (userId: string, key: string, status: number, body: string) =>
      dbSpan("UPDATE", "idempotency_keys", async () => {
        await db
          .update(idempotencyKeys)
          .set({ responseStatus: status, responseBody: body })
          .where(byKey(userId, key));
      }),

    release: (userId: string, key: string) =>
      dbSpan("DELETE", "idempotency_keys", async () => {
        await db.delete(idempotencyKeys).where(byKey(userId, key));
      }),

    /** Drops the row if it expired, or if its request never finished (a crash) before `staleBefore`. */
    dropIfStale: (userId: string, key: string, now: Date, staleBefore: Date) =>
      dbSpan("DELETE", "idempotency_keys", async () => {
        await db
          .delete(idempotencyKeys)
          .where(
            and(
              byKey(userId, key),
              or(
                lt(idempotencyKeys.expiresAt, now),
                and(
                  isNull(idempotencyKeys.responseStatus),
                  lt(idempotencyKeys.createdAt, staleBefore),
                ),
              ),
            ),
          );
      }),
  };
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
