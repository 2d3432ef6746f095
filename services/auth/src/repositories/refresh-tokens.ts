import { runTransaction, type Transaction } from "@hangout/platform/db";
import { dbSpan } from "@hangout/platform/telemetry";
import { and, eq, isNull } from "drizzle-orm";
import type { AuthDatabase } from "../db/index.ts";
import { type AuthSchema, refreshTokens } from "../db/schema.ts";

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
type Tx = Transaction<AuthSchema>;

export function createRefreshTokensRepository(db: AuthDatabase) {
  return {
    insert: (row: typeof refreshTokens.$inferInsert, tx: Tx | AuthDatabase = db) =>
      dbSpan("INSERT", "refresh_tokens", () => tx.insert(refreshTokens).values(row)),

    findByHash: (tokenHash: string) =>
      dbSpan("SELECT", "refresh_tokens", async () => {
        const rows = await db
          .select()
          .from(refreshTokens)
          .where(eq(refreshTokens.tokenHash, tokenHash));
        return rows[0];
      }),

    /**
     * Locks the token's row so concurrent rotations of one token run one after the other. The
     * lock is taken on the primary key: a locking read through the unique hash index takes a
     * next-key lock in MariaDB, and the waiting rotations' requests for it then deadlock with the
     * winner's insert of the new token into that index.
     */
    lockByHash: (tx: Tx, tokenHash: string) =>
      dbSpan("SELECT", "refresh_tokens", async () => {
        const [found] = await tx
          .select({ id: refreshTokens.id })
          .from(refreshTokens)
          .where(eq(refreshTokens.tokenHash, tokenHash));
        if (!found) return undefined;
        const rows = await tx
          .select()
          .from(refreshTokens)
          .where(eq(refreshTokens.id, found.id))
          .for("update");
        return rows[0];
      }),

    markRotated: (tx: Tx, id: string, at: Date) =>
      dbSpan("UPDATE", "refresh_tokens", () =>
        tx.update(refreshTokens).set({ rotatedAt: at }).where(eq(refreshTokens.id, id)),
      ),

    revokeFamily: (familyId: string, at: Date, tx: Tx | AuthDatabase = db) =>
      dbSpan("UPDATE", "refresh_tokens", () =>
        tx
          .update(refreshTokens)
          .set({ revokedAt: at })
          .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt))),
      ),

    transaction: <T>(fn: (tx: Tx) => Promise<T>) => runTransaction(db, fn),
  };
}

export type RefreshTokensRepository = ReturnType<typeof createRefreshTokensRepository>;
