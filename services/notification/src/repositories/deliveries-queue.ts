import { and, eq, inArray, sql } from "drizzle-orm";
import { deliveries, type MailKind } from "../db/schema.ts";
import type { DeliveryContent } from "../services/delivery-content.ts";
import type { NotificationTransaction } from "./projection.ts";

/** One email to queue: to a user (by id) or to an address with no account. */
export interface NewDelivery {
  /** The event's id, or `reminder:<hangoutId>:<startsAt epoch ms>`. */
  sourceId: string;
  to: { userId: string } | { email: string };
  kind: MailKind;
  hangoutId: string;
  content: DeliveryContent;
  /** The W3C trace context the send span joins. */
  traceparent: string | null;
}

/** The unique key's recipient: `user:<id>`, or `email:<address>` lower-cased. */
export const recipientOf = (to: NewDelivery["to"]) =>
  "userId" in to ? `user:${to.userId}` : `email:${to.email.toLowerCase()}`;

/**
 * Inserts pending deliveries due at `now`; one that (source, recipient) already has is left as it
 * is, which is what makes a redelivered event or a second reminder run send nothing twice.
 * Returns the ids given to the rows: only the rows that were new carry them (see `countNew`).
 * Every invitation runs it: hand-written SQL (docs/decisions/0019-notification-hot-statements.md),
 * checked against Drizzle's insert in test/hot-statements-consumer.test.ts.
 */
export async function queueDeliveries(
  tx: NotificationTransaction,
  rows: NewDelivery[],
  now: Date,
): Promise<string[]> {
  if (!rows.length) return [];
  const ids = rows.map(() => Bun.randomUUIDv7());
  const values = rows.map(
    (row, i) =>
      sql`(${ids[i]}, ${row.sourceId}, ${recipientOf(row.to)},
        ${"userId" in row.to ? row.to.userId : null}, ${"email" in row.to ? row.to.email : null},
        ${row.kind}, ${row.hangoutId}, ${JSON.stringify(row.content)}, ${row.traceparent},
        'pending', 0, ${now}, ${now})`,
  );
  await tx.execute(sql`INSERT INTO deliveries (id, source_id, recipient, user_id, email, kind,
      hangout_id, content, traceparent, status, attempts, next_attempt_at, created_at)
    VALUES ${sql.join(values, sql`, `)}
    ON DUPLICATE KEY UPDATE id = id`);
  return ids;
}

/**
 * How many of the ids `queueDeliveries` returned are new rows. A statement of its own, asked only
 * where the number is wanted (the consumer's hot path does not): the affected-rows count cannot
 * tell a kept duplicate from an insert, since mysql2 asks for found rows.
 */
export async function countNew(tx: NotificationTransaction, ids: string[]): Promise<number> {
  if (!ids.length) return 0;
  const rows = await tx
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(inArray(deliveries.id, ids));
  return rows.length;
}

/**
 * Gives up the pending deliveries of a hangout (of one kind, or all) with `outcome`. A delivery
 * the mailer is sending right now is waited for, and then is no longer pending.
 */
export async function skipPendingDeliveries(
  tx: NotificationTransaction,
  filter: { hangoutId: string; kind?: MailKind },
  outcome: string,
  now: Date,
): Promise<void> {
  await tx
    .update(deliveries)
    .set({ status: "skipped", outcome, finishedAt: now })
    .where(
      and(
        eq(deliveries.hangoutId, filter.hangoutId),
        eq(deliveries.status, "pending"),
        filter.kind ? eq(deliveries.kind, filter.kind) : undefined,
      ),
    );
}
