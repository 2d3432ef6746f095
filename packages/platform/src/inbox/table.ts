import { char, datetime, index, mysqlTable, primaryKey, varchar } from "drizzle-orm/mysql-core";

/**
 * The inbox of idempotent consumers (docs/decisions/0015-consumer-retries.md). Every consuming
 * service exports it from its own `src/db/schema.ts`
 * (`export { inbox } from "@hangout/platform/inbox/table"`), so `bun run db:generate` creates it
 * in that service's database. A row is inserted in the same transaction as the handler's effect:
 * a redelivered event finds its row and has no second effect.
 */
export const inbox = mysqlTable(
  "inbox",
  {
    /** The consumer (its queue name): two consumers in one service each handle an event once. */
    consumer: varchar("consumer", { length: 191 }).notNull(),
    /** The CloudEvent's `id`, which is also the AMQP message id. */
    eventId: char("event_id", { length: 36 }).notNull(),
    /** The CloudEvent's `type`, for reading the table by hand. */
    type: varchar("type", { length: 255 }).notNull(),
    processedAt: datetime("processed_at", { mode: "date", fsp: 3 }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.consumer, t.eventId] }),
    // Pruning (./prune.ts) deletes by age.
    index("inbox_processed_idx").on(t.processedAt),
  ],
);

export type InboxRow = typeof inbox.$inferSelect;
