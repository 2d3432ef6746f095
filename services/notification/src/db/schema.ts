import {
  boolean,
  char,
  datetime,
  index,
  int,
  json,
  mysqlEnum,
  mysqlTable,
  primaryKey,
  uniqueIndex,
  varchar,
} from "drizzle-orm/mysql-core";

export { inbox } from "@hangout/platform/inbox/table";

const timestamp = (name: string) => datetime(name, { mode: "date", fsp: 3 });
const uuid = (name: string) => char(name, { length: 36 });

export const hangoutStatuses = ["planning", "confirmed", "done", "cancelled"] as const;
export type HangoutStatus = (typeof hangoutStatuses)[number];
export const rsvps = ["going", "maybe", "declined", "pending"] as const;
export type Rsvp = (typeof rsvps)[number];

/** The kinds of email; each can be turned off in a user's preferences. */
export const mailKinds = ["invitation", "update", "reminder"] as const;
export type MailKind = (typeof mailKinds)[number];

/**
 * What this service knows of a hangout, kept from hangout's events (it never calls hangout).
 * Its details and its status are two registers, each with the time of the newest event that set
 * it: an older event arriving late (a retried delivery) does not overwrite a newer state, and a
 * late status change is not lost to a newer edit of the details (they are separate events).
 */
export const hangouts = mysqlTable(
  "hangouts",
  {
    id: uuid("id").primaryKey(),
    ownerId: uuid("owner_id").notNull(),
    title: varchar("title", { length: 120 }).notNull(),
    locationName: varchar("location_name", { length: 200 }),
    startsAt: timestamp("starts_at").notNull(),
    endsAt: timestamp("ends_at"),
    status: mysqlEnum("status", hangoutStatuses).notNull(),
    /** The time of the newest event whose details (title, times, place) were applied. */
    changedAt: timestamp("changed_at").notNull(),
    /** The time of the newest event whose status was applied. */
    statusChangedAt: timestamp("status_changed_at").notNull(),
    /**
     * Set by `hangout.deleted`: the row stays so that a late event of the hangout finds it gone
     * instead of bringing it or its members back.
     */
    deletedAt: timestamp("deleted_at"),
    /** The start time a reminder was queued for; a new start time gets a new reminder. */
    remindedStartsAt: timestamp("reminded_starts_at"),
  },
  (t) => [index("hangouts_due_idx").on(t.status, t.startsAt)],
);

/**
 * Members of the hangouts above and their RSVP, from member and RSVP events. `changedAt` is the
 * time of the newest member event applied; someone who left or was removed keeps a row with
 * `removedAt`, so that a late, older event about them does not make them a member again.
 */
export const members = mysqlTable(
  "members",
  {
    hangoutId: uuid("hangout_id").notNull(),
    userId: uuid("user_id").notNull(),
    rsvp: mysqlEnum("rsvp", rsvps).notNull(),
    changedAt: timestamp("changed_at").notNull(),
    removedAt: timestamp("removed_at"),
  },
  (t) => [primaryKey({ name: "members_pk", columns: [t.hangoutId, t.userId] })],
);

/** A user's choices; no row means every kind of email is on. */
export const preferences = mysqlTable("preferences", {
  userId: uuid("user_id").primaryKey(),
  invitation: boolean("invitation").notNull(),
  update: boolean("update").notNull(),
  reminder: boolean("reminder").notNull(),
  updatedAt: timestamp("updated_at").notNull(),
});

/** Addresses with no account that unsubscribed (one click on an invitation): no more mail. */
export const suppressedAddresses = mysqlTable("suppressed_addresses", {
  /** Lower-cased. */
  email: varchar("email", { length: 254 }).primaryKey(),
  createdAt: timestamp("created_at").notNull(),
});

export const deliveryStatuses = ["pending", "sent", "skipped", "failed"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * One email to one recipient about one thing: the mailer's queue and the sent log. The unique
 * (source, recipient) key is what makes it at most one email per recipient per event.
 */
export const deliveries = mysqlTable(
  "deliveries",
  {
    id: uuid("id").primaryKey(),
    /** The event's id, or `reminder:<hangoutId>:<startsAt epoch ms>` for a reminder. */
    sourceId: varchar("source_id", { length: 100 }).notNull(),
    /** `user:<id>`, or `email:<address>` for an address with no account. */
    recipient: varchar("recipient", { length: 260 }).notNull(),
    /** Set for a user; their address is looked up (UserDirectory) when the email is sent. */
    userId: uuid("user_id"),
    /** Set only for an address with no account (a pending invitation). */
    email: varchar("email", { length: 254 }),
    kind: mysqlEnum("kind", mailKinds).notNull(),
    hangoutId: uuid("hangout_id").notNull(),
    /** What the template shows (title, start, what changed), as of the event. */
    content: json("content").$type<Record<string, unknown>>().notNull(),
    /** The W3C trace context of the event, so the send span joins its trace. */
    traceparent: varchar("traceparent", { length: 55 }),
    status: mysqlEnum("status", deliveryStatuses).notNull(),
    attempts: int("attempts").notNull(),
    nextAttemptAt: timestamp("next_attempt_at").notNull(),
    createdAt: timestamp("created_at").notNull(),
    /** When the SMTP server accepted it (sent), or when it was skipped or given up. */
    finishedAt: timestamp("finished_at"),
    /** The Message-ID sent, or why it was skipped or failed. */
    outcome: varchar("outcome", { length: 255 }),
  },
  (t) => [
    uniqueIndex("deliveries_source_recipient_uq").on(t.sourceId, t.recipient),
    index("deliveries_due_idx").on(t.status, t.nextAttemptAt),
  ],
);

export const schema = { hangouts, members, preferences, suppressedAddresses, deliveries };
export type NotificationSchema = typeof schema;
