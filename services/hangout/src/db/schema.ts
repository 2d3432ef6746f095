import { photoFailureReasons } from "@hangout/events/file-events";
import {
  bigint,
  char,
  datetime,
  double,
  index,
  int,
  mysqlEnum,
  mysqlTable,
  primaryKey,
  text,
  tinyint,
  unique,
  varchar,
} from "drizzle-orm/mysql-core";

const timestamp = (name: string) => datetime(name, { mode: "date", fsp: 3 });
const uuid = (name: string) => char(name, { length: 36 });

export const hangoutStatuses = ["planning", "confirmed", "done", "cancelled"] as const;
export type HangoutStatus = (typeof hangoutStatuses)[number];
export const rsvps = ["going", "maybe", "declined", "pending"] as const;
export type Rsvp = (typeof rsvps)[number];

export const hangouts = mysqlTable(
  "hangouts",
  {
    id: uuid("id").primaryKey(),
    ownerId: uuid("owner_id").notNull(),
    title: varchar("title", { length: 120 }).notNull(),
    description: text("description"),
    locationName: varchar("location_name", { length: 200 }),
    locationAddress: varchar("location_address", { length: 300 }),
    locationLat: double("location_lat"),
    locationLng: double("location_lng"),
    startsAt: timestamp("starts_at").notNull(),
    endsAt: timestamp("ends_at"),
    status: mysqlEnum("status", hangoutStatuses).notNull(),
    /** Kept in step with `members` inside the same transactions. */
    memberCount: int("member_count").notNull(),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
    /** Set when the owner deleted it: invisible at once, removed once its files are gone. */
    deletedAt: timestamp("deleted_at"),
  },
  (t) => [index("hangouts_starts_idx").on(t.startsAt, t.id)],
);

export const members = mysqlTable(
  "members",
  {
    hangoutId: uuid("hangout_id")
      .notNull()
      .references(() => hangouts.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull(),
    role: mysqlEnum("role", ["owner", "member"]).notNull(),
    rsvp: mysqlEnum("rsvp", rsvps).notNull(),
    joinedAt: timestamp("joined_at").notNull(),
    /**
     * The hangout's `starts_at`, kept in step inside the same transactions, so that a member's
     * list reads its page in order from `members_user_starts_idx` instead of sorting every one of
     * the member's hangouts.
     */
    startsAt: timestamp("starts_at").notNull(),
  },
  (t) => [
    primaryKey({ name: "members_pk", columns: [t.hangoutId, t.userId] }),
    index("members_user_starts_idx").on(t.userId, t.startsAt, t.hangoutId),
  ],
);

export const activities = mysqlTable(
  "activities",
  {
    id: uuid("id").primaryKey(),
    hangoutId: uuid("hangout_id")
      .notNull()
      .references(() => hangouts.id, { onDelete: "cascade" }),
    title: varchar("title", { length: 120 }).notNull(),
    notes: text("notes"),
    proposedBy: uuid("proposed_by").notNull(),
    /** Kept in step with `votes` inside the same transactions. */
    voteCount: int("vote_count").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [index("activities_hangout_idx").on(t.hangoutId)],
);

export const votes = mysqlTable(
  "votes",
  {
    activityId: uuid("activity_id")
      .notNull()
      .references(() => activities.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [primaryKey({ name: "votes_pk", columns: [t.activityId, t.userId] })],
);

/**
 * pending: upload URLs issued; confirmed: the file service verified the bytes; deleting: being
 * removed (hidden everywhere; the sweeper finishes it if the file service was unreachable).
 */
export const memoryStatuses = ["pending", "confirmed", "deleting"] as const;
export type MemoryStatus = (typeof memoryStatuses)[number];

/**
 * The photo's processing (docs/decisions/0018-photo-pipeline.md), apart from the memory's
 * lifecycle `status`: processing until file's `file.processed` says ready or failed.
 */
export const photoStatuses = ["processing", "ready", "failed"] as const;
export type PhotoStatus = (typeof photoStatuses)[number];
export type PhotoFailureReason = (typeof photoFailureReasons)[number];

export const memories = mysqlTable(
  "memories",
  {
    id: uuid("id").primaryKey(),
    hangoutId: uuid("hangout_id")
      .notNull()
      .references(() => hangouts.id, { onDelete: "cascade" }),
    fileId: uuid("file_id").notNull().unique("memories_file_unique"),
    uploadedBy: uuid("uploaded_by").notNull(),
    filename: varchar("filename", { length: 255 }).notNull(),
    contentType: varchar("content_type", { length: 32 }).notNull(),
    size: int("size").notNull(),
    status: mysqlEnum("status", memoryStatuses).notNull(),
    createdAt: timestamp("created_at").notNull(),
    confirmedAt: timestamp("confirmed_at"),
    /**
     * Every insert names it (`processing`). Memories from before the pipeline are served as
     * they were uploaded, so the migration that added the column made them `ready` (0005, with
     * a default that 0006 drops again: an insert that leaves it out gets `processing`).
     */
    photoStatus: mysqlEnum("photo_status", photoStatuses).notNull(),
    /** Set only when the photo failed. */
    failureReason: mysqlEnum("failure_reason", photoFailureReasons),
    /** Upright pixel size, known once ready. */
    width: int("width"),
    height: int("height"),
    /** A ThumbHash of the photo, base64, known once ready. */
    placeholder: varchar("placeholder", { length: 64 }),
    processedAt: timestamp("processed_at"),
  },
  (t) => [
    index("memories_list_idx").on(t.hangoutId, t.status, t.createdAt, t.id),
    index("memories_status_idx").on(t.status, t.createdAt),
  ],
);

/**
 * An invitation to an address that has no account yet. When that address signs up (auth's
 * `user.signed-up`), it becomes membership; past `expiresAt` it is never honoured and the
 * sweeper deletes it.
 */
export const pendingInvitations = mysqlTable(
  "pending_invitations",
  {
    id: uuid("id").primaryKey(),
    hangoutId: uuid("hangout_id")
      .notNull()
      .references(() => hangouts.id, { onDelete: "cascade" }),
    /** Lower-cased, as auth stores addresses, so equality is enough to match one. */
    email: varchar("email", { length: 254 }).notNull(),
    invitedBy: uuid("invited_by").notNull(),
    createdAt: timestamp("created_at").notNull(),
    /** Moved forward when the owner invites the address again while it is pending. */
    expiresAt: timestamp("expires_at").notNull(),
  },
  (t) => [
    unique("pending_invitations_hangout_email_unique").on(t.hangoutId, t.email),
    index("pending_invitations_list_idx").on(t.hangoutId, t.createdAt, t.id),
    index("pending_invitations_email_idx").on(t.email, t.expiresAt),
    index("pending_invitations_expires_idx").on(t.expiresAt),
  ],
);

/** Stored responses of POSTs sent with an Idempotency-Key, per caller and key. */
export const idempotencyKeys = mysqlTable(
  "idempotency_keys",
  {
    userId: uuid("user_id").notNull(),
    key: varchar("idempotency_key", { length: 255 }).notNull(),
    /**
     * SHA-256 (hex) of method, route and path parameters: a key is scoped to one endpoint. A
     * digest, because path parameters are the client's text at any length and must never fail
     * the insert. Also part of `requestHash`.
     */
    scope: varchar("scope", { length: 200 }).notNull(),
    /** SHA-256 of the request body: the same key with another body is refused. */
    requestHash: char("request_hash", { length: 64 }).notNull(),
    /** null while the first request is in flight. */
    responseStatus: int("response_status"),
    responseBody: text("response_body"),
    createdAt: timestamp("created_at").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
  },
  (t) => [
    primaryKey({ name: "idempotency_pk", columns: [t.userId, t.key] }),
    index("idempotency_expires_idx").on(t.expiresAt),
  ],
);

/**
 * What members see live (`GET /hangouts/{id}/events`, `GET /me/events`): one row per change,
 * written in the transaction that made it, kept for the streams' resume
 * (docs/decisions/0017-live-streams.md). The content is rendered when it is sent.
 */
export const liveEvents = mysqlTable(
  "live_events",
  {
    /** From `live_clock` at the end of the transaction: no gaps, and in commit order. */
    position: bigint("position", { mode: "number", unsigned: true }).primaryKey(),
    hangoutId: uuid("hangout_id").notNull(),
    /** The stream's event name: `hangout.updated`, `member.invited`, `activity.voted`, … */
    type: varchar("type", { length: 40 }).notNull(),
    actorId: uuid("actor_id"),
    /** The member the change is about (invited, RSVP, left, removed), for their own feed. */
    subjectUserId: uuid("subject_user_id"),
    /** The hangout, member (user id), activity or memory that changed. */
    resourceId: uuid("resource_id").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    index("live_events_hangout_idx").on(t.hangoutId, t.position),
    index("live_events_subject_idx").on(t.subjectUserId, t.position),
    index("live_events_created_idx").on(t.createdAt),
  ],
);

/** One row: the last position given to a live change. Its lock orders the commits. */
export const liveClock = mysqlTable("live_clock", {
  id: tinyint("id").primaryKey(),
  position: bigint("position", { mode: "number", unsigned: true }).notNull(),
});

/** Per hangout, the last position pruned from `live_events`: a resume from before it reloads. */
export const liveHorizons = mysqlTable("live_horizons", {
  hangoutId: uuid("hangout_id").primaryKey(),
  prunedThrough: bigint("pruned_through", { mode: "number", unsigned: true }).notNull(),
});

export const schema = {
  hangouts,
  members,
  activities,
  votes,
  memories,
  pendingInvitations,
  idempotencyKeys,
  liveEvents,
  liveClock,
  liveHorizons,
};
export type HangoutSchema = typeof schema;

/** Events of other services already handled, so a redelivery has no second effect (decision 0015). */
export { inbox } from "@hangout/platform/inbox/table";
/** Events written with the state change they describe (docs/decisions/0014-outbox-relay.md). */
export { outbox } from "@hangout/platform/outbox/table";
