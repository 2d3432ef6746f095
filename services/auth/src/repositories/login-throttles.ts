import { dbSpan } from "@hangout/platform/telemetry";
import { and, eq, or, sql } from "drizzle-orm";
import type { ResultSetHeader } from "mysql2/promise";
import type { AuthDatabase } from "../db/index.ts";
import { loginThrottles } from "../db/schema.ts";

export type ThrottleScope = (typeof loginThrottles.scope.enumValues)[number];

/** One counter: a scope and the hash it is kept under. */
export interface ThrottleKey {
  scope: ThrottleScope;
  subject: string;
}

export interface ThrottlePolicy {
  maxFailures: number;
  windowSeconds: number;
  lockoutSeconds: number;
}

const matching = (keys: ThrottleKey[]) =>
  or(
    ...keys.map((key) =>
      and(eq(loginThrottles.scope, key.scope), eq(loginThrottles.subject, key.subject)),
    ),
  );

export function createLoginThrottlesRepository(db: AuthDatabase) {
  return {
    /** The latest lock among these counters, if any; one query for all of them. */
    lockedUntil: (keys: ThrottleKey[]) =>
      dbSpan("SELECT", "login_throttles", async () => {
        const rows = await db
          .select({ lockedUntil: loginThrottles.lockedUntil })
          .from(loginThrottles)
          .where(matching(keys));
        const latest = Math.max(0, ...rows.map((row) => row.lockedUntil?.getTime() ?? 0));
        return latest > 0 ? new Date(latest) : undefined;
      }),

    /**
     * Counts one failure atomically (a single upsert, so concurrent failures all count) and
     * returns the counter's new value: a failure after the window restarts the count, and
     * reaching the limit sets the lockout. MySQL applies the assignments left to right, so later
     * ones see the new `failures`. LAST_INSERT_ID(expr) hands that value back in the statement's
     * own result, so concurrent callers each see the count their own failure made.
     */
    recordFailure: async (key: ThrottleKey, policy: ThrottlePolicy, now: Date) => {
      const windowStart = new Date(now.getTime() - policy.windowSeconds * 1000);
      const lockedUntil = new Date(now.getTime() + policy.lockoutSeconds * 1000);
      const [result] = await dbSpan("UPSERT", "login_throttles", () =>
        db.execute(sql`
          INSERT INTO login_throttles (scope, subject, failures, window_started_at, locked_until)
          VALUES (${key.scope}, ${key.subject}, LAST_INSERT_ID(1), ${now},
            ${policy.maxFailures <= 1 ? lockedUntil : null})
          ON DUPLICATE KEY UPDATE
            failures = LAST_INSERT_ID(IF(window_started_at <= ${windowStart}, 1, failures + 1)),
            window_started_at = IF(failures = 1, ${now}, window_started_at),
            locked_until = IF(failures >= ${policy.maxFailures}, ${lockedUntil}, locked_until)`),
      );
      return (result as ResultSetHeader).insertId;
    },

    clear: (keys: ThrottleKey[]) =>
      dbSpan("DELETE", "login_throttles", () => db.delete(loginThrottles).where(matching(keys))),
  };
}

export type LoginThrottlesRepository = ReturnType<typeof createLoginThrottlesRepository>;
