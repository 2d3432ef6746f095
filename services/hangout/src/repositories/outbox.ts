import type { Event } from "@hangout/events/registry";
import type { Transaction } from "@hangout/platform/db";
import { and, eq, isNull } from "drizzle-orm";
import type { HangoutSchema } from "../db/schema.ts";
import { hangouts } from "../db/schema.ts";

export type HangoutTransaction = Transaction<HangoutSchema>;
export type HangoutRow = typeof hangouts.$inferSelect;
/** An event of the contract, ready for `appendEvents`. */
export type HangoutEvent = Event;

/**
 * Locks a hangout that is not deleted, or returns undefined. Every transaction that appends a
 * hangout's events takes this lock before its outbox insert, so those transactions commit in the
 * order of their outbox rows and the relay publishes a hangout's events in the order they
 * happened; it also keeps any event from following `hangout.deleted`
 * (docs/decisions/0014-outbox-relay.md).
 */
export async function lockLiveHangout(
  tx: HangoutTransaction,
  hangoutId: string,
): Promise<HangoutRow | undefined> {
  const [row] = await tx
    .select()
    .from(hangouts)
    .where(and(eq(hangouts.id, hangoutId), isNull(hangouts.deletedAt)))
    .for("update");
  return row;
}
