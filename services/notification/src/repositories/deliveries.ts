import { dbSpan } from "@hangout/platform/telemetry";
import { and, asc, count, eq, lte, min } from "drizzle-orm";
import type { NotificationDatabase } from "../db/index.ts";
import { deliveries } from "../db/schema.ts";
import type { NotificationTransaction } from "./projection.ts";

/*
 * The mailer's side of the deliveries table: claiming due rows and recording what became of
 * them. Queuing them is the event handlers' (deliveries-queue.ts).
 */

export type Delivery = typeof deliveries.$inferSelect;

/**
 * Runs `work` in a READ COMMITTED transaction: its locking reads take no gap locks, so the
 * consumer's inserts of new deliveries never wait for a batch being sent, and every read sees
 * the latest commits (a preference changed a moment ago, a row another mailer just sent).
 */
export const inMailerTransaction = <T>(
  db: NotificationDatabase,
  work: (tx: NotificationTransaction) => Promise<T>,
) => db.transaction(work, { isolationLevel: "read committed" });

/**
 * Locks up to `limit` pending deliveries due at `now`, the longest due first. Rows another
 * mailer holds are skipped, not waited for, so mailers in several replicas send disjoint sets.
 */
export const claimDue = (tx: NotificationTransaction, now: Date, limit: number) =>
  dbSpan("SELECT", "deliveries", () =>
    tx
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.status, "pending"), lte(deliveries.nextAttemptAt, now)))
      .orderBy(asc(deliveries.nextAttemptAt))
      .limit(limit)
      .for("update", { skipLocked: true }),
  );

const finish = (
  tx: NotificationTransaction,
  id: string,
  set: Partial<Pick<Delivery, "status" | "attempts" | "finishedAt" | "nextAttemptAt" | "outcome">>,
) =>
  dbSpan("UPDATE", "deliveries", () => tx.update(deliveries).set(set).where(eq(deliveries.id, id)));

/** The SMTP server accepted it; `messageId` is the Message-ID it was sent with. */
export const markSent = (
  tx: NotificationTransaction,
  delivery: Delivery,
  at: Date,
  messageId: string,
) =>
  finish(tx, delivery.id, {
    status: "sent",
    attempts: delivery.attempts + 1,
    finishedAt: at,
    outcome: messageId.slice(0, 255),
  });

/** Not sent, on purpose (turned off, recipient gone): `why` says so. */
export const markSkipped = (tx: NotificationTransaction, id: string, at: Date, why: string) =>
  finish(tx, id, { status: "skipped", finishedAt: at, outcome: why.slice(0, 255) });

/** Given up after its last attempt, or refused for good by the SMTP server. */
export const markFailed = (
  tx: NotificationTransaction,
  delivery: Delivery,
  at: Date,
  why: string,
) =>
  finish(tx, delivery.id, {
    status: "failed",
    attempts: delivery.attempts + 1,
    finishedAt: at,
    outcome: why.slice(0, 255),
  });

/** A failed attempt to try again at `next`; `why` is the last failure. */
export const scheduleRetry = (
  tx: NotificationTransaction,
  delivery: Delivery,
  next: Date,
  why: string,
) =>
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
