import { dbSpan } from "@hangout/platform/telemetry";
import { eq } from "drizzle-orm";
import type { HangoutDatabase } from "../db/index.ts";
import { activities, hangouts, members, votes } from "../db/schema.ts";

/** What the streams render a change with: the resource as it is now, and who may see it. */
export function createLiveReads(db: HangoutDatabase) {
  return {
    hangout: (id: string) =>
      dbSpan("SELECT", "hangouts", async () => {
        const [row] = await db.select().from(hangouts).where(eq(hangouts.id, id));
        return row;
      }),
    /** Every member of a hangout with role and RSVP (a deleted hangout keeps its members). */
    members: (hangoutId: string) =>
      dbSpan("SELECT", "members", () =>
        db
          .select({ userId: members.userId, role: members.role, rsvp: members.rsvp })
          .from(members)
          .where(eq(members.hangoutId, hangoutId)),
      ),
    activity: (id: string) =>
      dbSpan("SELECT", "activities", async () => {
        const [row] = await db.select().from(activities).where(eq(activities.id, id));
        return row;
      }),
    voters: (activityId: string) =>
      dbSpan("SELECT", "votes", async () => {
        const rows = await db
          .select({ userId: votes.userId })
          .from(votes)
          .where(eq(votes.activityId, activityId));
        return new Set(rows.map((r) => r.userId));
      }),
    /** The hangouts a user is a member of. */
    hangoutIdsOf: (userId: string) =>
      dbSpan("SELECT", "members", async () => {
        const rows = await db
          .select({ id: members.hangoutId })
          .from(members)
          .where(eq(members.userId, userId));
        return rows.map((r) => r.id);
      }),
  };
}

export type LiveReads = ReturnType<typeof createLiveReads>;
