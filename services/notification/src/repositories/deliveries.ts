import { dbSpan } from "@hangout/platform/telemetry";
import { and, asc, count, eq, inArray, lte, min } from "drizzle-orm";
import type { NotificationDatabase } from "../db/index.ts";
import { deliveries } from "../db/schema.ts";
import type { NotificationTransaction } from "./projection.ts";

/*
 * The mailer's side of the deliveries table: claiming due rows and recording what became of
 * them. Queuing them is the event handlers' (deliveries-queue.ts).
 */

export type Delivery = typeof deliveries.$inferSelect;

/** A statement's runner: the pool, or a transaction. */
type Runner = NotificationDatabase | NotificationTransaction;

/**
 * Claims up to `limit` pending deliveries due at `now`, the longest due first, for `leaseMs`:
 * their next attempt moves to the lease's end in one short READ COMMITTED transaction. Rows
 * another mailer is claiming are skipped, not waited for, and once committed they are not due,
 * so mailers in several replicas take disjoint sets. A mailer that dies with a claim leaves rows
 * that fall due again when the lease ends (docs/decisions/0016-email-deliveries.md).
 */
export const claimDue = (db: NotificationDatabase, now: Date, limit: number, leaseMs: number) =>
  db.transaction(
    async (tx) => {
      const rows = await dbSpan("SELECT", "deliveries", () =>
        tx
          .select()
          .from(deliveries)
          .where(and(eq(deliveries.status, "pending"), lte(deliveries.nextAttemptAt, now)))
          .orderBy(asc(deliveries.nextAttemptAt))
          .limit(limit)
          .for("update", { skipLocked: true }),
      );
      if (rows.length === 0) return rows;
      const until = new Date(now.getTime() + leaseMs);
      const ids = rows.map((row) => row.id);
      await dbSpan("UPDATE", "deliveries", () =>
        tx.update(deliveries).set({ nextAttemptAt: until }).where(inArray(deliveries.id, ids)),
      );
      return rows;
    },
    { isolationLevel: "read committed" },
  );

/** Gives claimed rows back unsent (stopping, or the server unreachable): due again at `at`. */
export async function release(db: Runner, ids: string[], at: Date) {
  if (ids.length === 0) return;
  await dbSpan("UPDATE", "deliveries", () =>
    db
      .update(deliveries)
      .set({ nextAttemptAt: at })
      .where(and(eq(deliveries.status, "pending"), inArray(deliveries.id, ids))),
  );
}

const finish = (
  tx: Runner,
  id: string,
  set: Partial<Pick<Delivery, "status" | "attempts" | "finishedAt" | "nextAttemptAt" | "outcome">>,
) =>
  dbSpan("UPDATE", "deliveries", () => tx.update(deliveries).set(set).where(eq(deliveries.id, id)));

/** The SMTP server accepted it; `messageId` is the Message-ID it was sent with. */
export const markSent = (tx: Runner, delivery: Delivery, at: Date, messageId: string) =>
  finish(tx, delivery.id, {
    status: "sent",
    attempts: delivery.attempts + 1,
    finishedAt: at,
    outcome: messageId.slice(0, 255),
  });

/** Not sent, on purpose (turned off, recipient gone): `why` says so. */
export const markSkipped = (tx: Runner, id: string, at: Date, why: string) =>
  finish(tx, id, { status: "skipped", finishedAt: at, outcome: why.slice(0, 255) });

/** Given up after its last attempt, or refused for good by the SMTP server. */
export const markFailed = (tx: Runner, delivery: Delivery, at: Date, why: string) =>
  finish(tx, delivery.id, {
    status: "failed",
    attempts: delivery.attempts + 1,
    finishedAt: at,
    outcome: why.slice(0, 255),
  });

/** A failed attempt to try again at `next`; `why` is the last failure. */
export const scheduleRetry = (tx: Runner, delivery: Delivery, next: Date, why: string) =>
  finish(tx, delivery.id, {
    attempts: delivery.attempts + 1,
    nextAttemptAt: next,
    outcome: why.slice(0, 255),
  });

/** Per kind, how many deliveries wait to be sent (due or retrying later) and the oldest's age. */
export const pendingBacklog = (db: NotificationDatabase) =>
  dbSpan("SELECT", "deliveries", () =>
    db
      .select({ kind: deliveries.kind, count: count(), oldest: min(deliveries.createdAt) })
      .from(deliveries)
      .where(eq(deliveries.status, "pending"))
      .groupBy(deliveries.kind),
  );
