import type { Transaction } from "@hangout/platform/db";
import { and, eq, gt, inArray, isNull, lte, ne, or } from "drizzle-orm";
import { hangouts, members, type NotificationSchema, type Rsvp } from "../db/schema.ts";

/*
 * The projection of hangout's events: what this service knows of hangouts and their members.
 * Every call runs in the transaction of the event (or reminder run) that needs it.
 */

export type NotificationTransaction = Transaction<NotificationSchema>;
export type ProjectedHangout = typeof hangouts.$inferSelect;
export type ProjectedMember = typeof members.$inferSelect;

/**
 * A hangout's row, deleted ones included, locked for the rest of the transaction. Every event
 * takes this lock first, so one hangout's events are applied one at a time whatever order the
 * consumer handles them in.
 */
export async function lockHangout(
  tx: NotificationTransaction,
  hangoutId: string,
): Promise<ProjectedHangout | undefined> {
  const [row] = await tx.select().from(hangouts).where(eq(hangouts.id, hangoutId)).for("update");
  return row;
}

export async function insertHangout(tx: NotificationTransaction, row: ProjectedHangout) {
  await tx.insert(hangouts).values(row);
}

export async function updateHangout(
  tx: NotificationTransaction,
  hangoutId: string,
  set: Partial<Omit<ProjectedHangout, "id">>,
) {
  await tx.update(hangouts).set(set).where(eq(hangouts.id, hangoutId));
}

/** Marks a hangout deleted (the row stays as a tombstone) and forgets its members. */
export async function markHangoutDeleted(tx: NotificationTransaction, hangoutId: string, at: Date) {
  await tx
    .update(hangouts)
    .set({ deletedAt: at, changedAt: at, statusChangedAt: at })
    .where(eq(hangouts.id, hangoutId));
  await tx.delete(members).where(eq(members.hangoutId, hangoutId));
}

/** One member's row, removed ones included; the caller holds the hangout's lock. */
export async function findMember(
  tx: NotificationTransaction,
  hangoutId: string,
  userId: string,
): Promise<ProjectedMember | undefined> {
  const [row] = await tx
    .select()
    .from(members)
    .where(and(eq(members.hangoutId, hangoutId), eq(members.userId, userId)));
  return row;
}

/** Makes someone a member with `rsvp` as of `at`, or records that they are not one any more. */
export async function putMember(
  tx: NotificationTransaction,
  row: { hangoutId: string; userId: string; rsvp: Rsvp; at: Date; removed?: boolean },
) {
  const removedAt = row.removed ? row.at : null;
  await tx
    .insert(members)
    .values({
      hangoutId: row.hangoutId,
      userId: row.userId,
      rsvp: row.rsvp,
      changedAt: row.at,
      removedAt,
    })
    .onDuplicateKeyUpdate({ set: { rsvp: row.rsvp, changedAt: row.at, removedAt } });
}

/** The current members of a hangout whose RSVP is one of `answers`. */
export async function memberIdsAnswering(
  tx: NotificationTransaction,
  hangoutId: string,
  answers: readonly Rsvp[],
): Promise<string[]> {
  const rows = await tx
    .select({ userId: members.userId })
    .from(members)
    .where(
      and(
        eq(members.hangoutId, hangoutId),
        isNull(members.removedAt),
        inArray(members.rsvp, [...answers]),
      ),
    )
    .orderBy(members.userId);
  return rows.map((row) => row.userId);
}

/**
 * Live hangouts (planning or confirmed) that start in (`after`, `until`] and have had no reminder
 * for their current start time, locked; rows another run holds are skipped, not waited for.
 */
export async function claimDueReminders(
  tx: NotificationTransaction,
  after: Date,
  until: Date,
  limit: number,
): Promise<ProjectedHangout[]> {
  return tx
    .select()
    .from(hangouts)
    .where(
      and(
        inArray(hangouts.status, ["planning", "confirmed"]),
        gt(hangouts.startsAt, after),
        lte(hangouts.startsAt, until),
        isNull(hangouts.deletedAt),
        or(isNull(hangouts.remindedStartsAt), ne(hangouts.remindedStartsAt, hangouts.startsAt)),
      ),
    )
    .orderBy(hangouts.startsAt, hangouts.id)
    .limit(limit)
    .for("update", { skipLocked: true });
}
