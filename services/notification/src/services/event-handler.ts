import type { Event } from "@hangout/events/registry";
import type { Rsvp } from "../db/schema.ts";
import {
  type NewDelivery,
  queueDeliveries,
  skipPendingDeliveries,
} from "../repositories/deliveries-queue.ts";
import {
  insertHangout,
  lockHangout,
  lockHangoutAndMember,
  markHangoutDeleted,
  memberIdsAnswering,
  type NotificationTransaction,
  type ProjectedHangout,
  putMember,
  updateHangout,
} from "../repositories/projection.ts";
import { type HangoutSummary, summaryOf, type UpdateChange } from "./delivery-content.ts";
import { photoRefusal, photoRefused } from "./photo-events.ts";
import {
  changesOfEdit,
  changesOfStatus,
  editsAreNews,
  invitationRecipient,
  TOLD,
  updateRecipients,
} from "./recipients.ts";

/** The event types this service binds its queue to; each is handled below. */
export const handledTypes = [
  "dev.hangout-planner.hangout.created.v1",
  "dev.hangout-planner.hangout.updated.v1",
  "dev.hangout-planner.hangout.status-changed.v1",
  "dev.hangout-planner.hangout.deleted.v1",
  "dev.hangout-planner.member.invited.v1",
  "dev.hangout-planner.member.joined.v1",
  "dev.hangout-planner.member.left.v1",
  "dev.hangout-planner.member.removed.v1",
  "dev.hangout-planner.rsvp.changed.v1",
  "dev.hangout-planner.memory.processed.v1",
] as const;

export type HandledType = (typeof handledTypes)[number];
type Of<T extends HandledType> = Event<T>;

/**
 * An event about a hangout whose `hangout.created` has not been applied: it is being handled at
 * the same time, or is waiting for a retry. Thrown, so the consumer retries this event later.
 */
export class HangoutNotKnownYet extends Error {
  constructor(hangoutId: string) {
    super(`hangout ${hangoutId} is not known yet (hangout.created not applied); retried later`);
  }
}

/**
 * Applies one event in the consumer's transaction: the projection first, last event time wins
 * (an older event arriving late changes nothing and tells nobody), then the deliveries it calls
 * for. Returns the ids of the deliveries it queued (`countNew` tells which were new).
 */
export async function handleEvent(
  event: Event,
  tx: NotificationTransaction,
  now: Date,
): Promise<string[]> {
  switch (event.type) {
    case "dev.hangout-planner.hangout.created.v1":
      return created(event, tx);
    case "dev.hangout-planner.hangout.updated.v1":
      return updated(event, tx, now);
    case "dev.hangout-planner.hangout.status-changed.v1":
      return statusChanged(event, tx, now);
    case "dev.hangout-planner.hangout.deleted.v1":
      return deleted(event, tx, now);
    case "dev.hangout-planner.member.invited.v1":
      return invited(event, tx, now);
    case "dev.hangout-planner.member.joined.v1":
      return memberChanged(event, tx, event.data.userId, "pending");
    case "dev.hangout-planner.member.left.v1":
    case "dev.hangout-planner.member.removed.v1":
      return memberChanged(event, tx, event.data.userId, "removed");
    case "dev.hangout-planner.rsvp.changed.v1":
      return memberChanged(event, tx, event.data.userId, event.data.to);
    case "dev.hangout-planner.memory.processed.v1":
      return photoProcessed(event, tx, now);
    default:
      // Not bound; nothing to do if a binding ever brings one.
      return [];
  }
}

const timeOf = (event: Event) => new Date(event.time);
const traceOf = (event: Event) => event.traceparent ?? null;

/** The live hangout an event is about: undefined once deleted; throws while still unknown. */
async function liveHangout(tx: NotificationTransaction, hangoutId: string) {
  const row = await lockHangout(tx, hangoutId);
  if (!row) throw new HangoutNotKnownYet(hangoutId);
  return row.deletedAt ? undefined : row;
}

async function created(
  event: Of<"dev.hangout-planner.hangout.created.v1">,
  tx: NotificationTransaction,
) {
  const { data } = event;
  const at = timeOf(event);
  // A row already here is either this hangout or its tombstone: a deletion that overtook this.
  if (await lockHangout(tx, data.hangoutId)) return [];
  await insertHangout(tx, {
    id: data.hangoutId,
    ownerId: data.ownerId,
    title: data.title,
    locationName: data.locationName,
    startsAt: new Date(data.startsAt),
    endsAt: data.endsAt ? new Date(data.endsAt) : null,
    status: data.status,
    changedAt: at,
    statusChangedAt: at,
    deletedAt: null,
    remindedStartsAt: null,
  });
  await putMember(tx, { hangoutId: data.hangoutId, userId: data.ownerId, rsvp: "going", at });
  return [];
}

async function updated(
  event: Of<"dev.hangout-planner.hangout.updated.v1">,
  tx: NotificationTransaction,
  now: Date,
) {
  const { data } = event;
  const at = timeOf(event);
  const row = await liveHangout(tx, data.hangoutId);
  if (!row || row.changedAt > at) return [];
  const after: ProjectedHangout = {
    ...row,
    title: data.title,
    locationName: data.locationName,
    startsAt: new Date(data.startsAt),
    endsAt: data.endsAt ? new Date(data.endsAt) : null,
    changedAt: at,
  };
  const { title, locationName, startsAt, endsAt } = after;
  // A new start time gets its own reminder from the reminder task. One for the old time still
  // pending is left to the mailer: the hangout may move back to that time.
  await updateHangout(tx, row.id, { title, locationName, startsAt, endsAt, changedAt: at });
  const changes = changesOfEdit(data.changed);
  if (!changes.length || !editsAreNews(row.status)) return [];
  return tellMembers(tx, event, row.id, data.actorId, summaryOf(after), changes, now);
}

async function statusChanged(
  event: Of<"dev.hangout-planner.hangout.status-changed.v1">,
  tx: NotificationTransaction,
  now: Date,
) {
  const { data } = event;
  const at = timeOf(event);
  const row = await liveHangout(tx, data.hangoutId);
  if (!row || row.statusChangedAt > at) return [];
  // Only the status: the details are the register of created and updated, which carry them all.
  await updateHangout(tx, row.id, { status: data.to, statusChangedAt: at });
  if (data.to === "cancelled") {
    await skipPendingDeliveries(tx, { hangoutId: row.id, kind: "reminder" }, "cancelled", now);
  }
  const changes = changesOfStatus(data.to);
  if (!changes.length) return [];
  const summary = { ...summaryOf(row), title: data.title, startsAt: data.startsAt };
  return tellMembers(tx, event, row.id, data.actorId, summary, changes, now);
}

async function deleted(
  event: Of<"dev.hangout-planner.hangout.deleted.v1">,
  tx: NotificationTransaction,
  now: Date,
) {
  const { data } = event;
  const at = timeOf(event);
  const row = await lockHangout(tx, data.hangoutId);
  if (row?.deletedAt) return [];
  if (row) {
    await markHangoutDeleted(tx, row.id, at);
    await skipPendingDeliveries(tx, { hangoutId: row.id }, "hangout deleted", now);
    return [];
  }
  // Deleted before its creation was applied: a tombstone, so the late creation brings nothing back.
  await insertHangout(tx, {
    id: data.hangoutId,
    ownerId: data.actorId,
    title: data.title,
    locationName: null,
    startsAt: new Date(data.startsAt),
    endsAt: null,
    status: "cancelled",
    changedAt: at,
    statusChangedAt: at,
    deletedAt: at,
    remindedStartsAt: null,
  });
  return [];
}

async function invited(
  event: Of<"dev.hangout-planner.member.invited.v1">,
  tx: NotificationTransaction,
  now: Date,
) {
  const { data } = event;
  // An invited user becomes a member (pending) first; an address with no account does not.
  const row =
    "userId" in data.invitee
      ? await applyMember(tx, event, data.hangoutId, data.invitee.userId, "pending")
      : await liveHangout(tx, data.hangoutId);
  if (!row) return [];
  const to = invitationRecipient(data);
  if (!to) return [];
  const invitationId = "invitationId" in data.invitee ? data.invitee.invitationId : null;
  return queueDeliveries(
    tx,
    [
      {
        sourceId: event.id,
        to,
        kind: "invitation",
        hangoutId: row.id,
        content: { ...summaryOf(row), invitedBy: data.invitedBy, invitationId },
        traceparent: traceOf(event),
      },
    ],
    now,
  );
}

async function memberChanged(
  event: Event,
  tx: NotificationTransaction,
  userId: string,
  to: Rsvp | "removed",
) {
  await applyMember(tx, event, event.subject, userId, to);
  return [];
}

/**
 * Sets a member's state as of the event, unless a newer event about them was applied: under the
 * hangout's lock, taken with their row. Returns the live hangout when applied.
 */
async function applyMember(
  tx: NotificationTransaction,
  event: Event,
  hangoutId: string,
  userId: string,
  to: Rsvp | "removed",
): Promise<ProjectedHangout | undefined> {
  const locked = await lockHangoutAndMember(tx, hangoutId, userId);
  if (!locked) throw new HangoutNotKnownYet(hangoutId);
  const { hangout, member } = locked;
  const at = timeOf(event);
  if (hangout.deletedAt || (member && member.changedAt > at)) return undefined;
  const removed = to === "removed";
  const rsvp = removed ? (member?.rsvp ?? "pending") : to;
  await putMember(tx, { hangoutId: hangout.id, userId, rsvp, at, removed });
  return hangout;
}

/** A photo that did not make it is told to its uploader, unless the hangout is gone. */
async function photoProcessed(
  event: Of<"dev.hangout-planner.memory.processed.v1">,
  tx: NotificationTransaction,
  now: Date,
) {
  if (!photoRefused(event)) return [];
  const row = await liveHangout(tx, event.data.hangoutId);
  return row ? queueDeliveries(tx, [photoRefusal(event, row)], now) : [];
}

/** An `update` email to the members told (going or maybe), except the one who made the change. */
async function tellMembers(
  tx: NotificationTransaction,
  event: Event,
  hangoutId: string,
  actorId: string,
  summary: HangoutSummary,
  changes: UpdateChange[],
  now: Date,
) {
  const recipients = updateRecipients(await memberIdsAnswering(tx, hangoutId, TOLD), actorId);
  const content = { ...summary, change: changes[0] as UpdateChange, changes, actorId };
  const rows: NewDelivery[] = recipients.map((userId) => ({
    sourceId: event.id,
    to: { userId },
    kind: "update",
    hangoutId,
    content,
    traceparent: traceOf(event),
  }));
  return queueDeliveries(tx, rows, now);
}
