import { runTransaction } from "@hangout/platform/db";
import { dbSpan } from "@hangout/platform/telemetry";
import { and, asc, eq, gt, inArray, or, type SQL, sql } from "drizzle-orm";
import type { HangoutDatabase } from "../db/index.ts";
import { hangouts, members, type Rsvp } from "../db/schema.ts";
import { recordChanges } from "./live.ts";
import {
  type HangoutEvent,
  type HangoutRow,
  type HangoutTransaction,
  lockLiveHangout,
} from "./outbox.ts";

export type MemberRow = typeof members.$inferSelect;

const affected = (result: unknown) => (result as [{ affectedRows: number }])[0]?.affectedRows ?? 0;

/**
 * Adds the users not yet members (role member, RSVP pending) and raises `member_count` by as
 * many, in a transaction that has locked the hangout's row (`hangout`, as it read it), so
 * concurrent additions count right.
 */
export async function addMembersIn(
  tx: HangoutTransaction,
  hangout: Pick<HangoutRow, "id" | "startsAt">,
  userIds: string[],
  joinedAt: Date,
) {
  const hangoutId = hangout.id;
  const existing = userIds.length
    ? await tx
        .select({ userId: members.userId })
        .from(members)
        .where(and(eq(members.hangoutId, hangoutId), inArray(members.userId, userIds)))
    : [];
  const already = new Set(existing.map((row) => row.userId));
  const invited = userIds.filter((id) => !already.has(id));
  if (invited.length) {
    await tx.insert(members).values(
      invited.map((userId) => ({
        hangoutId,
        userId,
        role: "member" as const,
        rsvp: "pending" as const,
        joinedAt,
        startsAt: hangout.startsAt,
      })),
    );
    await tx
      .update(hangouts)
      .set({ memberCount: sql`${hangouts.memberCount} + ${invited.length}` })
      .where(eq(hangouts.id, hangoutId));
  }
  return { invited, alreadyMembers: userIds.filter((id) => already.has(id)) };
}

export function createMembersRepository(db: HangoutDatabase) {
  return {
    /** Page of a hangout's members by `joined_at`, then `user_id`, after the keyset `after`. */
    list: (hangoutId: string, after: { at: Date; id: string } | undefined, limit: number) =>
      dbSpan("SELECT", "members", () => {
        const conditions: (SQL | undefined)[] = [
          eq(members.hangoutId, hangoutId),
          after
            ? or(
                gt(members.joinedAt, after.at),
                and(eq(members.joinedAt, after.at), gt(members.userId, after.id)),
              )
            : undefined,
        ];
        return db
          .select()
          .from(members)
          .where(and(...conditions))
          .orderBy(asc(members.joinedAt), asc(members.userId))
          .limit(limit);
      }),

    find: (hangoutId: string, userId: string) =>
      dbSpan("SELECT", "members", async (): Promise<MemberRow | undefined> => {
        const [row] = await db
          .select()
          .from(members)
          .where(and(eq(members.hangoutId, hangoutId), eq(members.userId, userId)))
          .limit(1);
        return row;
      }),

    /**
     * Sets a member's RSVP with the events `describe` makes of the previous one, in one
     * transaction that locks the hangout. Undefined when the hangout or the member is gone.
     */
    setRsvp: (
      hangoutId: string,
      userId: string,
      rsvp: Rsvp,
      describe: (before: Rsvp) => HangoutEvent[] = () => [],
    ) =>
      dbSpan("UPDATE", "members", () =>
        runTransaction(db, async (tx): Promise<MemberRow | undefined> => {
          if (!(await lockLiveHangout(tx, hangoutId))) return undefined;
          const where = and(eq(members.hangoutId, hangoutId), eq(members.userId, userId));
          const [member] = await tx.select().from(members).where(where).for("update");
          if (!member) return undefined;
          await tx.update(members).set({ rsvp }).where(where);
          await recordChanges(tx, describe(member.rsvp));
          return { ...member, rsvp };
        }),
      ),

    /**
     * Removes a (non-owner) member and lowers `member_count`, with the events `describe` makes,
     * in one transaction that locks the hangout first. Returns whether there was such a member.
     */
    remove: (hangoutId: string, userId: string, describe: () => HangoutEvent[] = () => []) =>
      dbSpan("DELETE", "members", () =>
        runTransaction(db, async (tx) => {
          if (!(await lockLiveHangout(tx, hangoutId))) return false;
          const removed = affected(
            await tx
              .delete(members)
              .where(
                and(
                  eq(members.hangoutId, hangoutId),
                  eq(members.userId, userId),
                  eq(members.role, "member"),
                ),
              ),
          );
          if (removed) {
            await tx
              .update(hangouts)
              .set({ memberCount: sql`${hangouts.memberCount} - ${removed}` })
              .where(eq(hangouts.id, hangoutId));
            await recordChanges(tx, describe());
          }
          return removed > 0;
        }),
      ),
  };
}

export type MembersRepository = ReturnType<typeof createMembersRepository>;
