import { runTransaction } from "@hangout/platform/db";
import { dbSpan } from "@hangout/platform/telemetry";
import { and, asc, eq, gt, isNotNull, isNull, notExists, or, sql } from "drizzle-orm";
import type { Pool, RowDataPacket } from "mysql2/promise";
import type { HangoutDatabase } from "../db/index.ts";
import { type HangoutStatus, hangouts, members, memories } from "../db/schema.ts";
import { recordChanges } from "./live.ts";
import { type HangoutEvent, lockLiveHangout } from "./outbox.ts";

export type HangoutRow = typeof hangouts.$inferSelect;
export type NewHangoutRow = typeof hangouts.$inferInsert;
export type MemberRow = typeof members.$inferSelect;

/** What access checks and views need of the caller's membership. */
export type Membership = Pick<MemberRow, "role" | "rsvp">;

export interface HangoutWithMembership {
  hangout: HangoutRow;
  membership: Membership;
}

// Only the membership columns callers read: mapping each selected column costs CPU on every
// request.
const membership = { role: members.role, rsvp: members.rsvp };

const affected = (result: unknown) => (result as [{ affectedRows: number }])[0]?.affectedRows ?? 0;

// Every route's access check runs this, so it is a server-side prepared statement:
// docs/decisions/0002-hot-queries.md. hangouts.test.ts checks it returns what the Drizzle query
// would.
const FOR_MEMBER = `SELECT h.id, h.owner_id, h.title, h.description, h.location_name,
    h.location_address, h.location_lat, h.location_lng, h.starts_at, h.ends_at, h.status,
    h.member_count, h.created_at, h.updated_at, h.deleted_at, m.role, m.rsvp
  FROM hangouts h
  JOIN members m ON m.hangout_id = h.id
  WHERE h.id = ? AND m.user_id = ? AND h.deleted_at IS NULL
  LIMIT 1`;

const toHangoutWithMembership = (row: RowDataPacket): HangoutWithMembership => ({
  hangout: {
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    description: row.description,
    locationName: row.location_name,
    locationAddress: row.location_address,
    locationLat: row.location_lat,
    locationLng: row.location_lng,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    status: row.status,
    memberCount: row.member_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  },
  membership: { role: row.role, rsvp: row.rsvp },
});

export function createHangoutsRepository(db: HangoutDatabase, pool: Pool) {
  // Prepared once: the list runs on every request, and building a query's SQL costs more CPU
  // here than the round trip to the database. One statement per shape of the list: with or without a status filter, first page or later.
  const listQuery = (byStatus: boolean, afterPosition: boolean) =>
    db
      .select({ hangout: hangouts, membership })
      .from(members)
      .innerJoin(hangouts, eq(hangouts.id, members.hangoutId))
      .where(
        and(
          eq(members.userId, sql.placeholder("userId")),
          isNull(hangouts.deletedAt),
          byStatus ? eq(hangouts.status, sql.placeholder("status")) : undefined,
          afterPosition
            ? or(
                gt(hangouts.startsAt, sql.placeholder("afterAt")),
                and(
                  eq(hangouts.startsAt, sql.placeholder("afterAt")),
                  gt(hangouts.id, sql.placeholder("afterId")),
                ),
              )
            : undefined,
        ),
      )
      .orderBy(asc(hangouts.startsAt), asc(hangouts.id))
      .limit(sql.placeholder("limit"))
      .prepare();
  const listPage = [
    [listQuery(false, false), listQuery(false, true)],
    [listQuery(true, false), listQuery(true, true)],
  ] as const;

  return {
    /** The hangout with the caller's membership, or undefined when either is missing. */
    findForMember: (hangoutId: string, userId: string) =>
      dbSpan("SELECT", "hangouts", async (): Promise<HangoutWithMembership | undefined> => {
        const [[row]] = await pool.execute<RowDataPacket[]>(FOR_MEMBER, [hangoutId, userId]);
        return row ? toHangoutWithMembership(row) : undefined;
      }),

    /** The hangout, its owner's membership and its events, in one transaction. */
    insertWithOwner: (hangout: NewHangoutRow, owner: MemberRow, events: HangoutEvent[] = []) =>
      dbSpan("INSERT", "hangouts", () =>
        runTransaction(db, async (tx) => {
          await tx.insert(hangouts).values(hangout);
          await tx.insert(members).values(owner);
          await recordChanges(tx, events);
        }),
      ),

    /**
     * Changes a hangout with its row locked: `plan` sees the row as it is now and returns the
     * changes and their events, or throws to change nothing. False when the hangout is gone.
     */
    updateLocked: (
      id: string,
      plan: (current: HangoutRow) => { changes: Partial<NewHangoutRow>; events: HangoutEvent[] },
    ) =>
      dbSpan("UPDATE", "hangouts", () =>
        runTransaction(db, async (tx) => {
          const current = await lockLiveHangout(tx, id);
          if (!current) return false;
          const { changes, events } = plan(current);
          await tx.update(hangouts).set(changes).where(eq(hangouts.id, id));
          await recordChanges(tx, events);
          return true;
        }),
      ),

    /** Page of the user's hangouts, soonest first, after the keyset position `after`. */
    listForMember: (
      userId: string,
      options: { status?: HangoutStatus; after?: { startsAt: Date; id: string }; limit: number },
    ) =>
      dbSpan("SELECT", "hangouts", () =>
        listPage[options.status ? 1 : 0][options.after ? 1 : 0].execute({
          userId,
          status: options.status,
          afterAt: options.after?.startsAt,
          afterId: options.after?.id,
          limit: options.limit,
        }),
      ),

    /**
     * Hides the hangout at once, with the events `describe` makes of it and its members; the
     * sweeper removes it once its memories' files are gone. False when it was already deleted.
     */
    markDeleted: (
      id: string,
      at: Date,
      describe: (hangout: HangoutRow, memberIds: string[]) => HangoutEvent[] = () => [],
    ) =>
      dbSpan("UPDATE", "hangouts", () =>
        runTransaction(db, async (tx) => {
          const hangout = await lockLiveHangout(tx, id);
          if (!hangout) return false;
          await tx.update(hangouts).set({ deletedAt: at }).where(eq(hangouts.id, id));
          const rows = await tx
            .select({ userId: members.userId })
            .from(members)
            .where(eq(members.hangoutId, id))
            .orderBy(asc(members.joinedAt), asc(members.userId));
          await recordChanges(
            tx,
            describe(
              hangout,
              rows.map((row) => row.userId),
            ),
          );
          return true;
        }),
      ),

    /** Deleted hangouts whose memories are all gone are removed for good; returns how many. */
    removeDeletedWithoutMemories: () =>
      dbSpan("DELETE", "hangouts", async () =>
        affected(
          await db
            .delete(hangouts)
            .where(
              and(
                isNotNull(hangouts.deletedAt),
                notExists(
                  db
                    .select({ id: memories.id })
                    .from(memories)
                    .where(eq(memories.hangoutId, hangouts.id)),
                ),
              ),
            ),
        ),
      ),

    remove: (id: string) =>
      dbSpan("DELETE", "hangouts", async () => {
        await db.delete(hangouts).where(eq(hangouts.id, id));
      }),
  };
}

export type HangoutsRepository = ReturnType<typeof createHangoutsRepository>;
