import { dbSpan } from "@hangout/platform/telemetry";
import { and, eq, isNull } from "drizzle-orm";
import type { AuthDatabase } from "../db/index.ts";
import { refreshTokens } from "../db/schema.ts";

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
type Tx = Parameters<Parameters<AuthDatabase["transaction"]>[0]>[0];

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

    /** Locks the row so concurrent rotations of one token run one after the other. */
    lockByHash: (tx: Tx, tokenHash: string) =>
      dbSpan("SELECT", "refresh_tokens", async () => {
        const rows = await tx
          .select()
          .from(refreshTokens)
          .where(eq(refreshTokens.tokenHash, tokenHash))
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

    transaction: <T>(fn: (tx: Tx) => Promise<T>) => db.transaction(fn),
  };
}

export type RefreshTokensRepository = ReturnType<typeof createRefreshTokensRepository>;
