// Shared by the inbox tests: a throwaway database with the inbox and an `effects` table the test
// handlers write to, a reader standing in for @hangout/events' parseEvent, and a publisher.
import { connect } from "amqplib";
import { int, mysqlTable, varchar } from "drizzle-orm/mysql-core";
import type { Pool, RowDataPacket } from "mysql2/promise";
import { createDatabase, type Database } from "../db.ts";
import { createLogger } from "../logger.ts";
import { createTestDatabaseWith } from "../testing/database.ts";
import { DEFAULT_BACKOFF_MS, type ParseOutcome } from "./consumer.ts";
import { inbox } from "./table.ts";

export { inbox };

import { SUBJECT_HEADER } from "../outbox/message-headers.ts";
import { deleteTopology } from "./topology.ts";

export const testAmqpUrl = process.env.TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
export const quietLogger = createLogger({ service: "inbox-test", level: "silent" });

/** A row per handler effect, with no unique key: a second effect of one event shows as a row. */
export const effects = mysqlTable("effects", {
  seq: int("seq").autoincrement().primaryKey(),
  eventId: varchar("event_id", { length: 36 }).notNull(),
  n: int("n").notNull(),
});
const schema = { inbox, effects };
export type TestSchema = typeof schema;

export const TYPE = "dev.hangout-planner.test.happened.v1";
export interface TestEvent {
  id: string;
  type: string;
  data: { n: number };
}

/** Accepts only TYPE, like parseEvent: another type is unknown, a higher version is newer. */
export function parseTestEvent(raw: Buffer): ParseOutcome<TestEvent> {
  let value: TestEvent;
  try {
    value = JSON.parse(raw.toString());
  } catch {
    return { ok: false, reason: "the body is not JSON" };
  }
  if (value.type === TYPE) return { ok: true, event: value };
  if (value.type?.startsWith("dev.hangout-planner.test.happened.v")) {
    return { ok: false, reason: `${value.type} is a newer version than this consumer reads (v1)` };
  }
  return { ok: false, reason: `type ${value.type} is not an event type of this contract` };
}

export const testEvent = (n: number, type = TYPE): TestEvent => ({
  id: Bun.randomUUIDv7(),
  type,
  data: { n },
});

/** Exchange and queue of their own per test, so runs and files never see each other's messages. */
export function testNames() {
  const tag = `${Date.now().toString(36)}.${crypto.randomUUID().slice(0, 8)}`;
  return { exchange: `test.inbox.${tag}`, queue: `test.inbox.${tag}.q` };
}

export interface InboxDatabase {
  pool: Pool;
  db: Database<TestSchema>;
  url: string;
  /** The event id of each effect, in order. */
  effects(): Promise<string[]>;
  inbox(): Promise<RowDataPacket[]>;
  drop(): Promise<void>;
}

export async function createInboxDatabase(): Promise<InboxDatabase> {
  const database = await createTestDatabaseWith(schema);
  const { pool } = database;
  return {
    pool,
    db: createDatabase(pool, schema),
    url: database.url,
    async effects() {
      const [rows] = await pool.query<RowDataPacket[]>("SELECT event_id FROM effects ORDER BY seq");
      return rows.map((row) => row.event_id);
    },
    async inbox() {
      const [rows] = await pool.query<RowDataPacket[]>("SELECT * FROM inbox ORDER BY processed_at");
      return rows;
    },
    drop: database.drop,
  };
}

/**
 * Publishes as the outbox relay does; `id` may repeat an earlier event's to make a duplicate.
 * `subject` sets the aggregate header the consumer orders by.
 */
export async function publish(
  exchange: string,
  events: { id: string; type: string; subject?: string }[],
) {
  const model = await connect(testAmqpUrl);
  try {
    const channel = await model.createConfirmChannel();
    await channel.assertExchange(exchange, "topic", { durable: true });
    for (const event of events) {
      channel.publish(exchange, event.type, Buffer.from(JSON.stringify(event)), {
        persistent: true,
        messageId: event.id,
        contentType: "application/cloudevents+json",
        type: event.type,
        headers: {
          traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
          ...(event.subject ? { [SUBJECT_HEADER]: event.subject } : {}),
        },
      });
    }
    await channel.waitForConfirms();
  } finally {
    await model.close();
  }
}

/** Deletes the test's queues and exchange. */
export async function cleanUp(
  names: { exchange: string; queue: string },
  backoffMs: number[] = DEFAULT_BACKOFF_MS,
) {
  const model = await connect(testAmqpUrl);
  try {
    const channel = await model.createChannel();
    await deleteTopology(channel, { queue: names.queue, backoffMs });
    await channel.deleteExchange(names.exchange);
  } finally {
    await model.close().catch(() => undefined);
  }
}

export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}
