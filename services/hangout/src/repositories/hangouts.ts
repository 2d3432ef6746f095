import { runTransaction } from "@hangout/platform/db";
import { type HotSql, hotRows } from "@hangout/platform/hot-sql";
import { dbSpan } from "@hangout/platform/telemetry";
import { and, asc, eq, isNotNull, notExists } from "drizzle-orm";
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

const affected = (result: unknown) => (result as [{ affectedRows: number }])[0]?.affectedRows ?? 0;

// The hot statements: every route's access check runs FOR_MEMBER, the home page the list. Plain
// SQL on Bun's client (docs/decisions/0002-hot-queries.md, 0021-hot-statements-on-bun-sql.md);
// hangouts.test.ts checks each returns exactly what its Drizzle query would.
// No `deleted_at`: every hot statement reads live hangouts only, so it is NULL.
const COLUMNS = `h.id, h.owner_id, h.title, h.description, h.location_name, h.location_address,
    h.location_lat, h.location_lng, h.starts_at, h.ends_at, h.status, h.member_count,
    h.created_at, h.updated_at, m.role, m.rsvp`;

const FOR_MEMBER = `SELECT ${COLUMNS}
  FROM hangouts h
  JOIN members m ON m.hangout_id = h.id
  WHERE h.id = ? AND m.user_id = ? AND h.deleted_at IS NULL
  LIMIT 1`;

/**
 * One statement per shape of the list: with or without a status, first page or a later one. It
 * orders by the member's copy of `starts_at` (the same value, kept in step), so the page is read
 * in order from `members_user_starts_idx` and stops at `LIMIT`.
 */
const listStatement = (byStatus: boolean, afterPosition: boolean) => `SELECT ${COLUMNS}
  FROM members m
  JOIN hangouts h ON h.id = m.hangout_id
  WHERE m.user_id = ? AND h.deleted_at IS NULL${byStatus ? " AND h.status = ?" : ""}${
    afterPosition ? " AND (m.starts_at > ? OR (m.starts_at = ? AND m.hangout_id > ?))" : ""
  }
  ORDER BY m.starts_at, m.hangout_id
  LIMIT ?`;
const LIST = [
  [listStatement(false, false), listStatement(false, true)],
  [listStatement(true, false), listStatement(true, true)],
] as const;

/** A row of COLUMNS as Bun's client returns it. */
interface HangoutMemberRow {
  id: string;
  owner_id: string;
  title: string;
  description: string | null;
  location_name: string | null;
  location_address: string | null;
  location_lat: number | null;
  location_lng: number | null;
  starts_at: Date;
  ends_at: Date | null;
  status: HangoutStatus;
  member_count: number;
  created_at: Date;
  updated_at: Date;
  role: Membership["role"];
  rsvp: Membership["rsvp"];
}

const toHangoutWithMembership = (row: HangoutMemberRow): HangoutWithMembership => ({
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
    deletedAt: null,
  },
  membership: { role: row.role, rsvp: row.rsvp },
});

export function createHangoutsRepository(db: HangoutDatabase, hot: HotSql) {
  return {
    /** The hangout with the caller's membership, or undefined when either is missing. */
    findForMember: (hangoutId: string, userId: string) =>
      dbSpan("SELECT", "hangouts", async (): Promise<HangoutWithMembership | undefined> => {
        const [row] = await hotRows<HangoutMemberRow>(hot, FOR_MEMBER, [hangoutId, userId]);
        return row ? toHangoutWithMembership(row) : undefined;
      }),

    /** The hangout, its owner's membership and its events, in one transaction. */
    insertWithOwner: (
      hangout: NewHangoutRow,
      owner: Omit<MemberRow, "startsAt">,
      events: HangoutEvent[] = [],
    ) =>
      dbSpan("INSERT", "hangouts", () =>
        runTransaction(db, async (tx) => {
          await tx.insert(hangouts).values(hangout);
          await tx.insert(members).values({ ...owner, startsAt: hangout.startsAt });
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
          if (changes.startsAt) {
            await tx
              .update(members)
              .set({ startsAt: changes.startsAt })
              .where(eq(members.hangoutId, id));
          }
          await recordChanges(tx, events);
          return true;
        }),
      ),

    /** Page of the user's hangouts, soonest first, after the keyset position `after`. */
    listForMember: (
      userId: string,
      options: { status?: HangoutStatus; after?: { startsAt: Date; id: string }; limit: number },
    ) =>
      dbSpan("SELECT", "hangouts", async () => {
        const { status, after, limit } = options;
        const values: unknown[] = [userId];
        if (status) values.push(status);
        if (after) values.push(after.startsAt, after.startsAt, after.id);
        values.push(limit);
        const rows = await hotRows<HangoutMemberRow>(
          hot,
          LIST[status ? 1 : 0][after ? 1 : 0],
          values,
        );
        return rows.map(toHangoutWithMembership);
      }),

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
