import { type HotSql, hotRun } from "@hangout/platform/hot-sql";
import { dbSpan } from "@hangout/platform/telemetry";
import { and, count, eq, inArray, min } from "drizzle-orm";
import type { Pool, RowDataPacket } from "mysql2/promise";
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

// The mailer's statements of every round and every email: hand-written SQL run as prepared
// statements (docs/decisions/0019-notification-hot-statements.md), the claim's on a mysql2
// connection of its own (its transaction), MARK_SENT on Bun's client like every other hot
// statement (docs/decisions/0021-hot-statements-on-bun-sql.md). test/hot-statements-mailer.test.ts
// checks that each reads or stores what the Drizzle query it stands for does.
const DUE = `SELECT id, source_id, recipient, user_id, email, kind, hangout_id, content,
    traceparent, status, attempts, next_attempt_at, created_at, finished_at, outcome
  FROM deliveries
  WHERE status = 'pending' AND next_attempt_at <= ?
  ORDER BY next_attempt_at
  LIMIT ?
  FOR UPDATE SKIP LOCKED`;
const claimUntil = (count: number) =>
  `UPDATE deliveries SET next_attempt_at = ? WHERE id IN (${Array(count).fill("?").join(", ")})`;
const MARK_SENT = `UPDATE deliveries
  SET status = 'sent', attempts = ?, finished_at = ?, outcome = ?
  WHERE id = ?`;

const toDelivery = (row: RowDataPacket): Delivery => ({
  id: row.id,
  sourceId: row.source_id,
  recipient: row.recipient,
  userId: row.user_id,
  email: row.email,
  kind: row.kind,
  hangoutId: row.hangout_id,
  content: row.content,
  traceparent: row.traceparent,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  createdAt: row.created_at,
  finishedAt: row.finished_at,
  outcome: row.outcome,
});

/**
 * Claims up to `limit` pending deliveries due at `now`, the longest due first, for `leaseMs`:
 * their next attempt moves to the lease's end in one short READ COMMITTED transaction. Rows
 * another mailer is claiming are skipped, not waited for, and once committed they are not due,
 * so mailers in several replicas take disjoint sets. A mailer that dies with a claim leaves rows
 * that fall due again when the lease ends (docs/decisions/0016-email-deliveries.md).
 */
export async function claimDue(
  pool: Pool,
  now: Date,
  limit: number,
  leaseMs: number,
): Promise<Delivery[]> {
  const connection = await pool.getConnection();
  try {
    await connection.query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
    await connection.query("START TRANSACTION");
    const [rows] = await dbSpan("SELECT", "deliveries", () =>
      connection.execute<RowDataPacket[]>(DUE, [now, limit]),
    );
    if (rows.length > 0) {
      const until = new Date(now.getTime() + leaseMs);
      await dbSpan("UPDATE", "deliveries", () =>
        connection.execute(claimUntil(rows.length), [until, ...rows.map((row) => row.id)]),
      );
    }
    await connection.query("COMMIT");
    return rows.map(toDelivery);
  } catch (error) {
    await connection.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}

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

/**
 * The SMTP server accepted it; `messageId` is the Message-ID it was sent with. Resolves to the
 * rows it matched: 0 when the delivery is gone.
 */
export const markSent = (hot: HotSql, delivery: Delivery, at: Date, messageId: string) =>
  dbSpan("UPDATE", "deliveries", () =>
    hotRun(hot, MARK_SENT, [delivery.attempts + 1, at, messageId.slice(0, 255), delivery.id]),
  );

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
