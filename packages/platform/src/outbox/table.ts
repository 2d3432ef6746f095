import {
  bigint,
  char,
  datetime,
  index,
  mediumtext,
  mysqlTable,
  uniqueIndex,
  varchar,
} from "drizzle-orm/mysql-core";

const timestamp = (name: string) => datetime(name, { mode: "date", fsp: 3 });

/**
 * The transactional outbox (docs/decisions/0014-outbox-relay.md). Every producing service exports
 * it from its own `src/db/schema.ts` (`export { outbox } from "@hangout/platform/outbox/table"`),
 * so `bun run db:generate` creates it in that service's database. Rows are written by
 * `appendEvents` inside the transaction of the state change, published by the relay, and pruned
 * a while after publication.
 */
export const outbox = mysqlTable(
  "outbox",
  {
    /** Insertion order, and so publication order within an aggregate. */
    seq: bigint("seq", { mode: "number", unsigned: true }).autoincrement().primaryKey(),
    /** The CloudEvent's `id`: the AMQP message id, on which consumers de-duplicate. */
    eventId: char("event_id", { length: 36 }).notNull(),
    /** The CloudEvent's `subject`: events of one aggregate are published in `seq` order. */
    aggregateId: varchar("aggregate_id", { length: 128 }).notNull(),
    /** The CloudEvent's `type`, the routing key (AMQP caps it at 255 bytes). */
    type: varchar("type", { length: 255 }).notNull(),
    /** The whole CloudEvent as JSON text, published byte for byte as the message body. */
    payload: mediumtext("payload").notNull(),
    /** W3C trace context of the change that wrote the event; an AMQP header on publish. */
    traceparent: varchar("traceparent", { length: 128 }),
    /** The CloudEvent's `time`: how old the oldest unpublished event is. */
    createdAt: timestamp("created_at").notNull(),
    /** Set once the broker confirmed the message; null until then. */
    publishedAt: timestamp("published_at"),
  },
  (t) => [
    uniqueIndex("outbox_event_id_idx").on(t.eventId),
    // The relay's claim (unpublished rows in seq order) and the pruning (published before a time).
    index("outbox_pending_idx").on(t.publishedAt, t.seq),
    // The relay's order check: an aggregate's unpublished rows before a given seq.
    index("outbox_aggregate_idx").on(t.aggregateId, t.publishedAt, t.seq),
  ],
);

export type OutboxRow = typeof outbox.$inferSelect;
