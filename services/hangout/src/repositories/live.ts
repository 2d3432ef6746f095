import { runTransaction } from "@hangout/platform/db";
import { appendEvents } from "@hangout/platform/outbox/append";
import { dbSpan } from "@hangout/platform/telemetry";
import { and, asc, desc, eq, gt, inArray, lt, lte, or, sql } from "drizzle-orm";
import type { HangoutDatabase } from "../db/index.ts";
import { liveClock, liveEvents, liveHorizons, members } from "../db/schema.ts";
import { hangoutEvent } from "../services/events.ts";
import type { HangoutEvent, HangoutTransaction } from "./outbox.ts";

export type LiveRow = typeof liveEvents.$inferSelect;

/** A change members see live, before it has its position. */
export type LiveChange = Omit<LiveRow, "position">;

/** The stream's name of each domain event, and what it is about. */
function changeOf(event: HangoutEvent): LiveChange | undefined {
  const createdAt = new Date(event.time);
  const base = { hangoutId: event.subject, createdAt };
  const name = event.type.replace(/^dev\.hangout-planner\./, "").replace(/\.v\d+$/, "");
  switch (event.type) {
    case "dev.hangout-planner.hangout.created.v1":
      return {
        ...base,
        type: name,
        actorId: event.data.ownerId,
        subjectUserId: null,
        resourceId: event.subject,
      };
    case "dev.hangout-planner.hangout.updated.v1":
    case "dev.hangout-planner.hangout.status-changed.v1":
    case "dev.hangout-planner.hangout.deleted.v1":
      return {
        ...base,
        type: name,
        actorId: event.data.actorId,
        subjectUserId: null,
        resourceId: event.subject,
      };
    case "dev.hangout-planner.member.invited.v1":
      // An address with no account is not a member: nothing to show, and no address is ever sent.
      if (!("userId" in event.data.invitee)) return undefined;
      return {
        ...base,
        type: name,
        actorId: event.data.invitedBy,
        subjectUserId: event.data.invitee.userId,
        resourceId: event.data.invitee.userId,
      };
    case "dev.hangout-planner.member.joined.v1":
    case "dev.hangout-planner.member.left.v1":
    case "dev.hangout-planner.rsvp.changed.v1":
      return {
        ...base,
        type: name,
        actorId: event.data.userId,
        subjectUserId: event.data.userId,
        resourceId: event.data.userId,
      };
    case "dev.hangout-planner.member.removed.v1":
      return {
        ...base,
        type: name,
        actorId: event.data.removedBy,
        subjectUserId: event.data.userId,
        resourceId: event.data.userId,
      };
    case "dev.hangout-planner.activity.proposed.v1":
      return {
        ...base,
        type: name,
        actorId: event.data.proposedBy,
        subjectUserId: null,
        resourceId: event.data.activityId,
      };
    case "dev.hangout-planner.memory.added.v1":
      return {
        ...base,
        type: name,
        actorId: event.data.uploadedBy,
        subjectUserId: null,
        resourceId: event.data.memoryId,
      };
    case "dev.hangout-planner.memory.processed.v1":
      // The photo pipeline's doing, not a member's.
      return {
        ...base,
        type: name,
        actorId: null,
        subjectUserId: null,
        resourceId: event.data.memoryId,
      };
    case "dev.hangout-planner.memory.removed.v1":
      return {
        ...base,
        type: name,
        actorId: event.data.removedBy,
        subjectUserId: null,
        resourceId: event.data.memoryId,
      };
    default:
      return undefined;
  }
}

/**
 * The end of every transaction that changes what members see: its events into the outbox, its
 * live changes into `live_events` at the next positions of `live_clock`, and one signal that
 * wakes every replica's streams. The clock's row lock is taken last and held until commit, so
 * positions are dense and a visible position means every lower one is visible too
 * (docs/decisions/0017-live-streams.md).
 */
export async function recordChanges(
  tx: HangoutTransaction,
  events: HangoutEvent[],
  extra: LiveChange[] = [],
): Promise<void> {
  const changes = [...events.flatMap((e) => changeOf(e) ?? []), ...extra];
  if (changes.length === 0) return appendEvents(tx, events);
  const last = await dbSpan("UPDATE", "live_clock", async () => {
    const [result] = await tx.execute(
      sql`UPDATE ${liveClock} SET ${liveClock.position} = LAST_INSERT_ID(${liveClock.position} + ${changes.length}) WHERE ${liveClock.id} = 1`,
    );
    return (result as unknown as { insertId: number }).insertId;
  });
  const first = last - changes.length + 1;
  await tx.insert(liveEvents).values(changes.map((c, i) => ({ ...c, position: first + i })));
  const signal = hangoutEvent("dev.hangout-planner.hangout.live-changed.v1", {
    hangoutId: (changes.at(-1) as LiveChange).hangoutId,
    position: last,
  });
  await appendEvents(tx, [...events, signal]);
}

const BY_POSITION = asc(liveEvents.position);

export function createLiveRepository(db: HangoutDatabase) {
  return {
    /** The last position given out; a new replica's streams start after it. */
    lastPosition: () =>
      dbSpan("SELECT", "live_clock", async () => {
        const [row] = await db.select().from(liveClock).where(eq(liveClock.id, 1));
        return row?.position ?? 0;
      }),

    /** Every change after `position`, in order: a replica catching up. */
    after: (position: number, limit: number) =>
      dbSpan("SELECT", "live_events", () =>
        db
          .select()
          .from(liveEvents)
          .where(gt(liveEvents.position, position))
          .orderBy(BY_POSITION)
          .limit(limit),
      ),

    /** A hangout's changes after `position`, in order: a stream's resume. */
    hangoutAfter: (hangoutId: string, position: number, limit: number) =>
      dbSpan("SELECT", "live_events", () =>
        db
          .select()
          .from(liveEvents)
          .where(and(eq(liveEvents.hangoutId, hangoutId), gt(liveEvents.position, position)))
          .orderBy(BY_POSITION)
          .limit(limit),
      ),

    /** The changes of a user's hangouts, and those about them, after `position`. */
    userAfter: (userId: string, position: number, limit: number) =>
      dbSpan("SELECT", "live_events", () =>
        db
          .select()
          .from(liveEvents)
          .where(
            and(
              gt(liveEvents.position, position),
              or(
                inArray(
                  liveEvents.hangoutId,
                  db
                    .select({ id: members.hangoutId })
                    .from(members)
                    .where(eq(members.userId, userId)),
                ),
                eq(liveEvents.subjectUserId, userId),
              ),
            ),
          )
          .orderBy(BY_POSITION)
          .limit(limit),
      ),

    /**
     * Drops history older than `before`, and past the newest `keep` changes of a hangout,
     * recording per hangout how far it went (a resume from before that must reload). Returns
     * how many hangouts it pruned; call again while it returns `limit`.
     */
    prune: (before: Date, keep: number, limit = 200) =>
      dbSpan("DELETE", "live_events", async () => {
        const old = await db
          .select({
            hangoutId: liveEvents.hangoutId,
            through: sql<number>`MAX(${liveEvents.position})`,
          })
          .from(liveEvents)
          .where(lt(liveEvents.createdAt, before))
          .groupBy(liveEvents.hangoutId)
          .limit(limit);
        const crowded = await db
          .select({ hangoutId: liveEvents.hangoutId })
          .from(liveEvents)
          .groupBy(liveEvents.hangoutId)
          .having(sql`COUNT(*) > ${keep}`)
          .limit(limit);
        const through = new Map(old.map((r) => [r.hangoutId, Number(r.through)]));
        for (const { hangoutId } of crowded) {
          const [cut] = await db
            .select({ position: liveEvents.position })
            .from(liveEvents)
            .where(eq(liveEvents.hangoutId, hangoutId))
            .orderBy(desc(liveEvents.position))
            .limit(1)
            .offset(keep);
          if (cut) through.set(hangoutId, Math.max(cut.position, through.get(hangoutId) ?? 0));
        }
        for (const [hangoutId, position] of through) {
          await runTransaction(db, async (tx) => {
            await tx
              .insert(liveHorizons)
              .values({ hangoutId, prunedThrough: position })
              .onDuplicateKeyUpdate({
                set: { prunedThrough: sql`GREATEST(${liveHorizons.prunedThrough}, ${position})` },
              });
            await tx
              .delete(liveEvents)
              .where(and(eq(liveEvents.hangoutId, hangoutId), lte(liveEvents.position, position)));
          });
        }
        return Math.max(old.length, crowded.length);
      }),

    /** The highest position pruned among these hangouts: a resume from before it must reload. */
    prunedThrough: (hangoutIds: string[]) =>
      dbSpan("SELECT", "live_horizons", async () => {
        if (hangoutIds.length === 0) return 0;
        const [row] = await db
          .select({ through: sql<number>`COALESCE(MAX(${liveHorizons.prunedThrough}), 0)` })
          .from(liveHorizons)
          .where(inArray(liveHorizons.hangoutId, hangoutIds));
        return Number(row?.through ?? 0);
      }),
  };
}

export type LiveRepository = ReturnType<typeof createLiveRepository>;
