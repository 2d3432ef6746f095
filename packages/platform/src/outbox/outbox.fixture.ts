import { afterAll, beforeAll } from "bun:test";
// Shared by the outbox tests: a throwaway database holding only the outbox table, sample events,
// and a consumer that records everything published to a test exchange.
import { type ConsumeMessage, connect } from "amqplib";
import type { Pool, RowDataPacket } from "mysql2/promise";
import { createDatabase, type Database } from "../db.ts";
import { createLogger } from "../logger.ts";
import { createTestDatabaseWith } from "../testing/database.ts";
import type { OutboxEvent } from "./append.ts";
import { outbox } from "./table.ts";

/** The broker the tests publish to; `rabbitmq-server -detached` on a development machine. */
export const testAmqpUrl = process.env.TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

export const quietLogger = createLogger({ service: "outbox-test", level: "silent" });

/** An exchange of its own per test, so runs and files never see each other's messages. */
export const testExchange = () => `test.outbox.${Date.now().toString(36)}.${crypto.randomUUID()}`;

export const EVENT_TYPE = "dev.hangout-planner.test.happened.v1";

export function sampleEvent(subject: string, n: number, time = new Date()): SampleEvent {
  return {
    specversion: "1.0",
    id: Bun.randomUUIDv7(),
    source: "/test",
    type: EVENT_TYPE,
    subject,
    time: time.toISOString(),
    datacontenttype: "application/json",
    data: { n },
  };
}

export interface SampleEvent extends OutboxEvent {
  data: { n: number };
}

export interface OutboxDatabase {
  pool: Pool;
  db: Database<{ outbox: typeof outbox }>;
  url: string;
  /** Every row, in seq order. */
  rows(): Promise<RowDataPacket[]>;
  drop(): Promise<void>;
}

/** A database holding the outbox table exactly as `bun run db:generate` creates it. */
export async function createOutboxDatabase(): Promise<OutboxDatabase> {
  const database = await createTestDatabaseWith({ outbox });
  const { pool } = database;
  return {
    pool,
    db: createDatabase(pool, { outbox }),
    url: database.url,
    async rows() {
      const [rows] = await pool.query<RowDataPacket[]>("SELECT * FROM outbox ORDER BY seq");
      return rows;
    },
    drop: database.drop,
  };
}

export interface TestConsumer {
  /** Every message delivered so far, in delivery order. */
  received: ConsumeMessage[];
  /** The events' subjects and `data.n`, in delivery order. */
  events(): { id: string; subject: string; n: number }[];
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A temporary exclusive queue bound to every routing key of `exchange`. */
export async function createConsumer(exchange: string): Promise<TestConsumer> {
  const model = await connect(testAmqpUrl);
  const channel = await model.createChannel();
  await channel.assertExchange(exchange, "topic", { durable: true });
  const { queue } = await channel.assertQueue("", { exclusive: true });
  await channel.bindQueue(queue, exchange, "#");
  const received: ConsumeMessage[] = [];
  await channel.consume(queue, (message) => message && received.push(message), { noAck: true });
  return {
    received,
    events: () =>
      received.map((message) => {
        const event = JSON.parse(message.content.toString());
        return { id: event.id, subject: event.subject, n: event.data.n };
      }),
    async waitFor(count, timeoutMs = 10_000) {
      await until(() => received.length >= count, timeoutMs, `${count} messages`);
    },
    async close() {
      await channel.deleteExchange(exchange).catch(() => undefined);
      await model.close();
    },
  };
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

/** For each subject, the `n` of its events in the order they arrived. */
export function perSubject(events: { subject: string; n: number }[]) {
  const bySubject = new Map<string, number[]>();
  for (const { subject, n } of events) {
    const list = bySubject.get(subject) ?? [];
    list.push(n);
    bySubject.set(subject, list);
  }
  return bySubject;
}

/**
 * For one test file: a database with the outbox table and a consumer bound to a fresh exchange,
 * made before the tests and removed after. Read them from the returned object inside tests.
 */
export function outboxTestSetup() {
  const setup = { exchange: testExchange() } as {
    exchange: string;
    store: OutboxDatabase;
    consumer: TestConsumer;
  };
  beforeAll(async () => {
    setup.store = await createOutboxDatabase();
    setup.consumer = await createConsumer(setup.exchange);
  });
  afterAll(async () => {
    await setup.consumer?.close();
    await setup.store?.drop();
  });
  return setup;
}
