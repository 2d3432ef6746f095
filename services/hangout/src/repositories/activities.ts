import { runTransaction } from "@hangout/platform/db";
import { dbSpan } from "@hangout/platform/telemetry";
import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { HangoutDatabase } from "../db/index.ts";
import { activities, votes } from "../db/schema.ts";
import { recordChanges } from "./live.ts";
import { type HangoutEvent, lockLiveHangout } from "./outbox.ts";

export type ActivityRow = typeof activities.$inferSelect;
export type NewActivityRow = typeof activities.$inferInsert;

export interface ActivityWithVote {
  activity: ActivityRow;
  votedByMe: boolean;
}

const affected = (result: unknown) => (result as [{ affectedRows: number }])[0]?.affectedRows ?? 0;

export function createActivitiesRepository(db: HangoutDatabase) {
  /**
   * Changes the caller's vote in one transaction. The activity row is locked first, so
   * concurrent votes on it queue up instead of deadlocking (the votes foreign key would
   * otherwise share-lock it before the count update wants it exclusively). Returns false when
   * the activity is not in that hangout.
   */
  const changeVote = (
    operation: "INSERT" | "DELETE",
    hangoutId: string,
    activityId: string,
    userId: string,
    at: Date,
  ) =>
    dbSpan(operation, "votes", () =>
      runTransaction(db, async (tx) => {
        const [found] = await tx
          .select({ id: activities.id })
          .from(activities)
          .where(and(eq(activities.id, activityId), eq(activities.hangoutId, hangoutId)))
          .for("update");
        if (!found) return false;
        const changed =
          operation === "INSERT"
            ? affected(
                await tx.insert(votes).ignore().values({ activityId, userId, createdAt: at }),
              )
            : affected(
                await tx
                  .delete(votes)
                  .where(and(eq(votes.activityId, activityId), eq(votes.userId, userId))),
              );
        if (changed === 1) {
          await tx
            .update(activities)
            .set({
              voteCount:
                operation === "INSERT"
                  ? sql`${activities.voteCount} + 1`
                  : sql`${activities.voteCount} - 1`,
            })
            .where(eq(activities.id, activityId));
          // No domain event for a vote; members still see the count move.
          await recordChanges(
            tx,
            [],
            [
              {
                type: "activity.voted",
                hangoutId,
                actorId: userId,
                subjectUserId: null,
                resourceId: activityId,
                createdAt: new Date(),
              },
            ],
          );
        }
        return true;
      }),
    );

  return {
    /** The activity and its events, with the hangout locked; false when the hangout is gone. */
    insert: (row: NewActivityRow, events: HangoutEvent[] = []) =>
      dbSpan("INSERT", "activities", () =>
        runTransaction(db, async (tx) => {
          if (!(await lockLiveHangout(tx, row.hangoutId))) return false;
          await tx.insert(activities).values(row);
          await recordChanges(tx, events);
          return true;
        }),
      ),

    /** A hangout's activities with whether `userId` voted: most votes, then oldest, then id. */
    listForHangout: (hangoutId: string, userId: string) =>
      dbSpan("SELECT", "activities", async (): Promise<ActivityWithVote[]> => {
        const rows = await db
          .select({ activity: activities, voter: votes.userId })
          .from(activities)
          .leftJoin(votes, and(eq(votes.activityId, activities.id), eq(votes.userId, userId)))
          .where(eq(activities.hangoutId, hangoutId))
          .orderBy(desc(activities.voteCount), asc(activities.createdAt), asc(activities.id));
        return rows.map(({ activity, voter }) => ({ activity, votedByMe: voter !== null }));
      }),

    /** Adds the vote unless it exists; false when the activity is not in the hangout. */
    addVote: (hangoutId: string, activityId: string, userId: string, at: Date) =>
      changeVote("INSERT", hangoutId, activityId, userId, at),

    /** Removes the vote if it exists; false when the activity is not in the hangout. */
    removeVote: (hangoutId: string, activityId: string, userId: string) =>
      changeVote("DELETE", hangoutId, activityId, userId, new Date(0)),
  };
}

export type ActivitiesRepository = ReturnType<typeof createActivitiesRepository>;
