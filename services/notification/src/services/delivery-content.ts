import type { DataOf } from "@hangout/events/registry";

/*
 * The `content` of a delivery: what its email shows, as of the event (or reminder run) that
 * queued it. The delivery's `kind` says which of these it is. Times are RFC 3339 UTC strings.
 */

/** The hangout as the email describes it. */
export interface HangoutSummary {
  title: string;
  startsAt: string;
  /** Null when it is open-ended. */
  endsAt: string | null;
  /** Null when no place is set. */
  locationName: string | null;
}

/** kind `invitation`. */
export interface InvitationContent extends HangoutSummary {
  /** The user who invited (the owner). */
  invitedBy: string;
  /**
   * Set for an address with no account: the sign-up link carries it
   * (`/signup?email=<address>&invitation=<id>`). Null for an existing user (link to the hangout).
   */
  invitationId: string | null;
}

export type UpdateChange = "confirmed" | "cancelled" | "rescheduled" | "moved";

/** kind `update`. */
export interface UpdateContent extends HangoutSummary {
  /** The headline: what happened. "rescheduled" wins over "moved" when both did. */
  change: UpdateChange;
  /** Every change this email is about, the headline first (e.g. ["rescheduled", "moved"]). */
  changes: UpdateChange[];
  /** The user who made the change (the owner). */
  actorId: string;
}

/** kind `reminder`. */
export type ReminderContent = HangoutSummary;

/** Why a photo did not make it, as `memory.processed` says (docs/decisions/0018-photo-pipeline.md). */
export type PhotoFailure = NonNullable<
  DataOf<"dev.hangout-planner.memory.processed.v1">["failureReason"]
>;

/**
 * kind `update`, email `photo-refused`: the uploader's photo failed processing and was deleted.
 * `email` tells it from an update's content, which has none.
 */
export interface PhotoRefusedContent extends HangoutSummary {
  email: "photo-refused";
  memoryId: string;
  /** Null only if hangout ever sends a failure without one: the email then gives no reason. */
  reason: PhotoFailure | null;
}

export type DeliveryContent =
  | InvitationContent
  | UpdateContent
  | ReminderContent
  | PhotoRefusedContent;

const iso = (time: Date | null) => (time ? time.toISOString() : null);

/** The summary of a projected hangout row. */
export function summaryOf(hangout: {
  title: string;
  startsAt: Date;
  endsAt: Date | null;
  locationName: string | null;
}): HangoutSummary {
  return {
    title: hangout.title,
    startsAt: hangout.startsAt.toISOString(),
    endsAt: iso(hangout.endsAt),
    locationName: hangout.locationName,
  };
}
