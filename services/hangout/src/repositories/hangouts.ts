import { dbSpan } from "@hangout/platform/telemetry";
import { and, asc, eq, gt, isNotNull, isNull, notExists, or, type SQL } from "drizzle-orm";
import type { HangoutDatabase } from "../db/index.ts";
import { type HangoutStatus, hangouts, members, memories } from "../db/schema.ts";

export type HangoutRow = typeof hangouts.$inferSelect;
export type NewHangoutRow = typeof hangouts.$inferInsert;
export type MemberRow = typeof members.$inferSelect;

export interface HangoutWithMembership {
  hangout: HangoutRow;
  membership: MemberRow;
}

const affected = (result: unknown) => (result as [{ affectedRows: number }])[0]?.affectedRows ?? 0;

export function createHangoutsRepository(db: HangoutDatabase) {
  return {
    /** The hangout with the caller's membership, or undefined when either is missing. */
    findForMember: (hangoutId: string, userId: string) =>
      dbSpan("SELECT", "hangouts", async (): Promise<HangoutWithMembership | undefined> => {
        const [row] = await db
          .select({ hangout: hangouts, membership: members })
          .from(hangouts)
          .innerJoin(members, eq(members.hangoutId, hangouts.id))
          .where(
            and(eq(hangouts.id, hangoutId), eq(members.userId, userId), isNull(hangouts.deletedAt)),
          )
          .limit(1);
        return row;
      }),

    /** The hangout and its owner's membership, in one transaction. */
    insertWithOwner: (hangout: NewHangoutRow, owner: MemberRow) =>
      dbSpan("INSERT", "hangouts", () =>
        db.transaction(async (tx) => {
          await tx.insert(hangouts).values(hangout);
          await tx.insert(members).values(owner);
        }),
      ),

    update: (id: string, changes: Partial<NewHangoutRow>) =>
      dbSpan("UPDATE", "hangouts", async () => {
        await db.update(hangouts).set(changes).where(eq(hangouts.id, id));
      }),

    /**
     * Moves the status only if it is still `from` (two owners' tabs racing cannot both win).
     * Returns whether it moved.
     */
    updateWithStatus: (id: string, from: HangoutStatus, changes: Partial<NewHangoutRow>) =>
      dbSpan(
        "UPDATE",
        "hangouts",
        async () =>
          affected(
            await db
              .update(hangouts)
              .set(changes)
              .where(and(eq(hangouts.id, id), eq(hangouts.status, from))),
          ) === 1,
      ),

    /** Page of the user's hangouts, soonest first, after the keyset position `after`. */
    listForMember: (
      userId: string,
      options: { status?: HangoutStatus; after?: { startsAt: Date; id: string }; limit: number },
    ) =>
      dbSpan("SELECT", "hangouts", async () => {
        const conditions: (SQL | undefined)[] = [
          eq(members.userId, userId),
          isNull(hangouts.deletedAt),
          options.status ? eq(hangouts.status, options.status) : undefined,
          options.after
            ? or(
                gt(hangouts.startsAt, options.after.startsAt),
                and(
                  eq(hangouts.startsAt, options.after.startsAt),
                  gt(hangouts.id, options.after.id),
                ),
              )
            : undefined,
        ];
        return db
          .select({ hangout: hangouts, membership: members })
          .from(members)
          .innerJoin(hangouts, eq(hangouts.id, members.hangoutId))
          .where(and(...conditions))
          .orderBy(asc(hangouts.startsAt), asc(hangouts.id))
          .limit(options.limit);
      }),

    /** Hides the hangout at once; the sweeper removes it once its memories' files are gone. */
    markDeleted: (id: string, at: Date) =>
      dbSpan("UPDATE", "hangouts", async () => {
        await db.update(hangouts).set({ deletedAt: at }).where(eq(hangouts.id, id));
      }),

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
