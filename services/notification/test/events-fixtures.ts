// Shared by the event, projection and reminder tests: a throwaway `notification` database, hangout
// events as hangout's outbox writes them, and readers of the projection and the deliveries.
import { createEvent } from "@hangout/events/create";
import type { DataOf, Event, EventType } from "@hangout/events/registry";
import { createDatabase, createPool, runTransaction } from "@hangout/platform/db";
import { createTestDatabase } from "@hangout/platform/testing/database";
import { asc, eq } from "drizzle-orm";
import type { NotificationDatabase } from "../src/db/index.ts";
import { deliveries, hangouts, members, schema } from "../src/db/schema.ts";
import { countNew } from "../src/repositories/deliveries-queue.ts";
import { handleEvent } from "../src/services/event-handler.ts";

export const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

const T0 = Date.parse("2030-03-01T10:00:00.000Z");
/** `seconds` after a fixed moment: event times and clocks of the tests. */
export const at = (seconds: number) => new Date(T0 + seconds * 1000);

export const STARTS_AT = "2030-03-10T18:00:00.000Z";
export const ENDS_AT = "2030-03-10T21:00:00.000Z";

export const newId = () => Bun.randomUUIDv7();

export interface NotificationStore {
  db: NotificationDatabase;
  url: string;
  drop(): Promise<void>;
}

export async function notificationDatabase(): Promise<NotificationStore> {
  const database = await createTestDatabase("notification");
  const pool = createPool(database.url, { connectionLimit: 5 });
  return {
    db: createDatabase(pool, schema),
    url: database.url,
    async drop() {
      await pool.end();
      await database.drop();
    },
  };
}

export const event = <T extends EventType>(type: T, data: DataOf<T>, time: Date): Event<T> =>
  createEvent(type, data, { time, traceparent: TRACEPARENT });

interface Details {
  title: string;
  startsAt: string;
  endsAt: string | null;
  locationName: string | null;
}

/** Events of one hangout owned by `owner`, each at the time given. */
export function hangoutStory({
  hangoutId = newId(),
  owner = newId(),
  ...rest
}: Partial<Details & { hangoutId: string; owner: string }> = {}) {
  const details: Details = {
    title: "Picnic in the park",
    startsAt: STARTS_AT,
    endsAt: ENDS_AT,
    locationName: "Parc de la Tête d'Or",
    ...rest,
  };
  const p = "dev.hangout-planner.";
  return {
    hangoutId,
    owner,
    created: (time: Date) =>
      event(
        `${p}hangout.created.v1`,
        { hangoutId, ownerId: owner, ...details, status: "planning" },
        time,
      ),
    updated: (
      time: Date,
      changed: DataOf<"dev.hangout-planner.hangout.updated.v1">["changed"],
      values: Partial<Details> = {},
    ) =>
      event(
        `${p}hangout.updated.v1`,
        { hangoutId, actorId: owner, changed, ...details, ...values },
        time,
      ),
    status: (
      time: Date,
      from: DataOf<"dev.hangout-planner.hangout.status-changed.v1">["from"],
      to: DataOf<"dev.hangout-planner.hangout.status-changed.v1">["to"],
    ) =>
      event(
        `${p}hangout.status-changed.v1`,
        { hangoutId, actorId: owner, from, to, title: details.title, startsAt: details.startsAt },
        time,
      ),
    deleted: (time: Date, memberIds: string[] = [owner]) =>
      event(
        `${p}hangout.deleted.v1`,
        { hangoutId, actorId: owner, title: details.title, startsAt: details.startsAt, memberIds },
        time,
      ),
    invited: (time: Date, userId: string, invitedBy = owner) =>
      event(`${p}member.invited.v1`, { hangoutId, invitedBy, invitee: { userId } }, time),
    invitedAddress: (time: Date, email: string, invitationId = newId()) =>
      event(
        `${p}member.invited.v1`,
        { hangoutId, invitedBy: owner, invitee: { invitationId, email } },
        time,
      ),
    joined: (time: Date, userId: string, invitationId = newId()) =>
      event(`${p}member.joined.v1`, { hangoutId, userId, invitationId }, time),
    left: (time: Date, userId: string) => event(`${p}member.left.v1`, { hangoutId, userId }, time),
    removed: (time: Date, userId: string) =>
      event(`${p}member.removed.v1`, { hangoutId, userId, removedBy: owner }, time),
    rsvp: (
      time: Date,
      userId: string,
      to: DataOf<"dev.hangout-planner.rsvp.changed.v1">["to"],
      from: DataOf<"dev.hangout-planner.rsvp.changed.v1">["from"] = "pending",
    ) => event(`${p}rsvp.changed.v1`, { hangoutId, userId, from, to }, time),
  };
}

/** Handles events one after the other as the consumer's transactions do (without the inbox). */
export async function apply(db: NotificationDatabase, events: Event[], now = at(3600)) {
  let queued = 0;
  for (const e of events) {
    queued += await runTransaction(db, async (tx) => countNew(tx, await handleEvent(e, tx, now)));
  }
  return queued;
}

export async function hangoutRow(db: NotificationDatabase, id: string) {
  const [row] = await db.select().from(hangouts).where(eq(hangouts.id, id));
  return row;
}

/** userId → RSVP of the current members (removed ones left out). */
export async function memberRsvps(db: NotificationDatabase, hangoutId: string) {
  const rows = await db.select().from(members).where(eq(members.hangoutId, hangoutId));
  return Object.fromEntries(rows.filter((r) => !r.removedAt).map((r) => [r.userId, r.rsvp]));
}

export async function deliveriesOf(db: NotificationDatabase, hangoutId: string) {
  return db
    .select()
    .from(deliveries)
    .where(eq(deliveries.hangoutId, hangoutId))
    .orderBy(asc(deliveries.createdAt), asc(deliveries.recipient));
}

/** The recipients of the deliveries made from one source (event id or reminder source). */
export async function recipientsOf(db: NotificationDatabase, hangoutId: string, sourceId: string) {
  return (await deliveriesOf(db, hangoutId))
    .filter((d) => d.sourceId === sourceId)
    .map((d) => d.recipient)
    .sort();
}

export const user = (id: string) => `user:${id}`;
