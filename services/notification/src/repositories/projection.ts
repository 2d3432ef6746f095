import type { Transaction } from "@hangout/platform/db";
import { and, eq, gt, inArray, isNull, lte, ne, or, sql } from "drizzle-orm";
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

/*
 * Every member event runs the two statements below, and every invitation after them the insert
 * of its delivery: hand-written SQL (docs/decisions/0019-notification-hot-statements.md), each
 * checked in test/hot-statements-consumer.test.ts against the Drizzle query it stands for.
 * `tx.execute` is the one public way into the inbox transaction's connection.
 */

/** A DATETIME as `tx.execute` returns it (Drizzle hands mysql2 a typeCast that keeps text). */
const dateOf = (value: unknown): Date =>
  value instanceof Date ? value : new Date(`${String(value).replace(" ", "T")}Z`);
const dateOrNull = (value: unknown) => (value === null ? null : dateOf(value));

/** The rows of a SELECT run with `tx.execute`. */
const rowsOf = (result: unknown) => (result as [Record<string, unknown>[]])[0];

/**
 * `lockHangout` and the member's row in one statement. The LEFT JOIN reads (and locks) the
 * hangout before the member, the order every other transaction takes them in.
 */
export async function lockHangoutAndMember(
  tx: NotificationTransaction,
  hangoutId: string,
  userId: string,
): Promise<{ hangout: ProjectedHangout; member: ProjectedMember | undefined } | undefined> {
  const [row] = rowsOf(
    await tx.execute(sql`SELECT h.id, h.owner_id, h.title, h.location_name, h.starts_at,
        h.ends_at, h.status, h.changed_at, h.status_changed_at, h.deleted_at,
        h.reminded_starts_at, m.hangout_id, m.user_id, m.rsvp, m.changed_at AS member_changed_at,
        m.removed_at
      FROM hangouts h
      LEFT JOIN members m ON m.hangout_id = h.id AND m.user_id = ${userId}
      WHERE h.id = ${hangoutId}
      FOR UPDATE`),
  );
  if (!row) return undefined;
  const hangout: ProjectedHangout = {
    id: row.id as string,
    ownerId: row.owner_id as string,
    title: row.title as string,
    locationName: row.location_name as string | null,
    startsAt: dateOf(row.starts_at),
    endsAt: dateOrNull(row.ends_at),
    status: row.status as ProjectedHangout["status"],
    changedAt: dateOf(row.changed_at),
    statusChangedAt: dateOf(row.status_changed_at),
    deletedAt: dateOrNull(row.deleted_at),
    remindedStartsAt: dateOrNull(row.reminded_starts_at),
  };
  const member: ProjectedMember | undefined =
    row.rsvp === null
      ? undefined
      : {
          hangoutId: row.hangout_id as string,
          userId: row.user_id as string,
          rsvp: row.rsvp as Rsvp,
          changedAt: dateOf(row.member_changed_at),
          removedAt: dateOrNull(row.removed_at),
        };
  return { hangout, member };
}

/** Makes someone a member with `rsvp` as of `at`, or records that they are not one any more. */
export async function putMember(
  tx: NotificationTransaction,
  row: { hangoutId: string; userId: string; rsvp: Rsvp; at: Date; removed?: boolean },
) {
  const { hangoutId, userId, rsvp, at } = row;
  const removedAt = row.removed ? at : null;
  await tx.execute(sql`INSERT INTO members (hangout_id, user_id, rsvp, changed_at, removed_at)
    VALUES (${hangoutId}, ${userId}, ${rsvp}, ${at}, ${removedAt})
    ON DUPLICATE KEY UPDATE rsvp = ${rsvp}, changed_at = ${at}, removed_at = ${removedAt}`);
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
