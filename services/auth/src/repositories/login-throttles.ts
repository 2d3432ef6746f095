import { dbSpan } from "@hangout/platform/telemetry";
import { and, eq, sql } from "drizzle-orm";
import type { AuthDatabase } from "../db/index.ts";
import { loginThrottles } from "../db/schema.ts";

export type ThrottleScope = "account" | "address";

export interface ThrottlePolicy {
  maxFailures: number;
  windowSeconds: number;
  lockoutSeconds: number;
}

export function createLoginThrottlesRepository(db: AuthDatabase) {
  return {
    find: (scope: ThrottleScope, subject: string) =>
      dbSpan("SELECT", "login_throttles", async () => {
        const rows = await db
          .select()
          .from(loginThrottles)
          .where(and(eq(loginThrottles.scope, scope), eq(loginThrottles.subject, subject)));
        return rows[0];
      }),

    /**
     * Counts one failure atomically (a single upsert, so concurrent failures all count): a
     * failure after the window restarts the count, and reaching the limit sets the lockout.
     * MySQL applies the assignments left to right, so later ones see the new `failures`.
     */
    recordFailure: (scope: ThrottleScope, subject: string, policy: ThrottlePolicy, now: Date) => {
      const windowStart = new Date(now.getTime() - policy.windowSeconds * 1000);
      const lockedUntil = new Date(now.getTime() + policy.lockoutSeconds * 1000);
      return dbSpan("UPSERT", "login_throttles", () =>
        db.execute(sql`
          INSERT INTO login_throttles (scope, subject, failures, window_started_at, locked_until)
          VALUES (${scope}, ${subject}, 1, ${now}, ${policy.maxFailures <= 1 ? lockedUntil : null})
          ON DUPLICATE KEY UPDATE
            failures = IF(window_started_at <= ${windowStart}, 1, failures + 1),
            window_started_at = IF(failures = 1, ${now}, window_started_at),
            locked_until = IF(failures >= ${policy.maxFailures}, ${lockedUntil}, locked_until)`),
      );
    },

    clear: (scope: ThrottleScope, subject: string) =>
      dbSpan("DELETE", "login_throttles", () =>
        db
          .delete(loginThrottles)
          .where(and(eq(loginThrottles.scope, scope), eq(loginThrottles.subject, subject))),
      ),
  };
}

export type LoginThrottlesRepository = ReturnType<typeof createLoginThrottlesRepository>;
