import type { DataOf } from "@hangout/events/registry";
import type { HangoutStatus, Rsvp } from "../db/schema.ts";
import type { NewDelivery } from "../repositories/deliveries-queue.ts";
import type { UpdateChange } from "./delivery-content.ts";

/*
 * Who is told what. Nobody is ever emailed about their own action; updates and reminders go to
 * members who said they are coming or might (not to those who declined or have not answered).
 */

/** The RSVPs of members who get updates and reminders. */
export const TOLD: readonly Rsvp[] = ["going", "maybe"];

/** What an edit of the details is worth telling, the headline first; empty when nothing is. */
export function changesOfEdit(changed: readonly string[]): UpdateChange[] {
  const changes: UpdateChange[] = [];
  if (changed.includes("startsAt") || changed.includes("endsAt")) changes.push("rescheduled");
  if (changed.includes("location")) changes.push("moved");
  return changes;
}

/** A status move worth telling: to confirmed or cancelled (done is not news). */
export const changesOfStatus = (to: HangoutStatus): UpdateChange[] =>
  to === "confirmed" || to === "cancelled" ? [to] : [];

/** Whether an edit's email is still worth sending in this status: not once it is over. */
export const editsAreNews = (status: HangoutStatus) =>
  status === "planning" || status === "confirmed";

/** The members told about an update, without the one who made it. */
export const updateRecipients = (told: readonly string[], actorId: string): string[] =>
  told.filter((userId) => userId !== actorId);

/**
 * Who an invitation goes to: the invited user, or the address of someone with no account.
 * Undefined when someone invited themselves.
 */
export function invitationRecipient(
  data: DataOf<"dev.hangout-planner.member.invited.v1">,
): NewDelivery["to"] | undefined {
  const { invitee } = data;
  if ("userId" in invitee) return invitee.userId === data.invitedBy ? undefined : invitee;
  return { email: invitee.email };
}
