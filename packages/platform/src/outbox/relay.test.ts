import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "amqplib";
import type { RowDataPacket } from "mysql2/promise";
import { Registry } from "prom-client";
import { runTransaction } from "../db.ts";
import { appendEvents } from "./append.ts";
import {
  createConsumer,
  createOutboxDatabase,
  type OutboxDatabase,
  perSubject,
  quietLogger,
  sampleEvent,
  type TestConsumer,
  testAmqpUrl,
  testExchange,
  until,
} from "./outbox.fixture.ts";
import { createRelay, type Relay } from "./relay.ts";

let store: OutboxDatabase;
let exchange: string;
let consumer: TestConsumer;
let relay: Relay | undefined;
beforeAll(async () => {
  store = await createOutboxDatabase();
});
afterAll(() => store.drop());
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  await consumer.close();
  await store.pool.query("DELETE FROM outbox");
});

async function setup(options: Partial<Parameters<typeof createRelay>[0]> = {}) {
  exchange = testExchange();
  consumer = await createConsumer(exchange);
  relay = createRelay({
    pool: store.pool,
    url: testAmqpUrl,
    exchange,
    logger: quietLogger,
    ...options,
  });
  return relay;
}

const append = (events: ReturnType<typeof sampleEvent>[]) =>
  runTransaction(store.db, (tx) => appendEvents(tx, events));

const drain = async (r: Relay) => {
  for (let rounds = 0; rounds < 100; rounds++) {
    if ((await r.runOnce()).claimed === 0) return;
  }
  throw new Error("the outbox did not drain");
};

describe("publishing", () => {
  test("every event reaches the exchange as its CloudEvent, in order per aggregate", async () => {
    const r = await setup({ batchSize: 7 });
    const events = Array.from({ length: 30 }, (_, i) => sampleEvent(`hangout-${i % 3}`, i));
    const traced = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    events[4] = { ...(events[4] as (typeof events)[number]), traceparent: traced };
    await append(events);

    await drain(r);
    await consumer.waitFor(30);

    const delivered = consumer.events();
    expect(new Set(delivered.map((e) => e.id)).size).toBe(30);
    for (const [subject, ns] of perSubject(delivered)) {
      const expected = events.filter((e) => e.subject === subject).map((e) => e.data.n);
      expect(ns).toEqual(expected);
    }
    const message = consumer.received.find((m) => m.properties.messageId === events[4]?.id);
    expect(JSON.parse(message?.content.toString() ?? "")).toStrictEqual(events[4]);
    expect(message?.fields.routingKey).toBe(events[4]?.type);
    expect(message?.properties).toMatchObject({
      contentType: "application/cloudevents+json",
      deliveryMode: 2,
      headers: { traceparent: traced, "cloudEvents:subject": events[4]?.subject },
    });
    const rows = await store.rows();
    expect(rows.filter((row) => row.published_at === null)).toEqual([]);
  });

  test("rows are marked only after the broker confirmed them", async () => {
    // A queue that can hold only two messages and refuses more: RabbitMQ nacks the others.
    const probe = await connect(testAmqpUrl);
    const channel = await probe.createChannel();
    const seen: { onBroker: number; unpublished: number }[] = [];
    let probing = true;
    const r = await setup({
      beforeMark: async (ids) => {
        if (!probing) return;
        const check = await channel.checkQueue(full);
        const [rows] = await store.pool.query<RowDataPacket[]>(
          "SELECT COUNT(*) AS n FROM outbox WHERE event_id IN (?) AND published_at IS NULL",
          [ids],
        );
        seen.push({ onBroker: check.messageCount, unpublished: Number(rows[0]?.n) });
      },
    });
    const { queue: full } = await channel.assertQueue("", {
      exclusive: true,
      arguments: { "x-max-length": 2, "x-overflow": "reject-publish" },
    });
    await channel.bindQueue(full, exchange, "#");
    const events = [1, 2, 3, 4, 5].map((n) => sampleEvent("hangout-full", n));
    await append(events);

    expect(await r.runOnce()).toEqual({ claimed: 5, published: 2, unconfirmed: 3 });
    // When marking, the confirmed messages were already on the broker and not yet marked.
    expect(seen).toEqual([{ onBroker: 2, unpublished: 2 }]);
    const published = async () =>
      (await store.rows()).map((row) => [
        JSON.parse(row.payload).data.n,
        row.published_at !== null,
      ]);
    expect(await published()).toEqual([
      [1, true],
      [2, true],
      [3, false],
      [4, false],
      [5, false],
    ]);

    // A nack means the broker did not take responsibility, not that nothing was routed: the
    // consumer's queue got 3 to 5 anyway. They are published again: at least once.
    probing = false;
    await channel.deleteQueue(full);
    await probe.close();
    expect(await r.runOnce()).toEqual({ claimed: 3, published: 3, unconfirmed: 0 });
    expect((await published()).every(([, done]) => done)).toBe(true);
    await consumer.waitFor(8);
    expect(consumer.events().map((e) => e.n)).toEqual([1, 2, 3, 4, 5, 3, 4, 5]);
    expect(
      consumer
        .events()
        .slice(5)
        .map((e) => e.id),
    ).toEqual(events.slice(2).map((e) => e.id));
    expect(await r.runOnce()).toEqual({ claimed: 0, published: 0, unconfirmed: 0 });
  });

  test("an aggregate waits while an earlier event of it is held elsewhere", async () => {
    const r = await setup();
    await append([
      sampleEvent("hangout-held", 1),
      sampleEvent("hangout-free", 1),
      sampleEvent("hangout-held", 2),
      sampleEvent("hangout-free", 2),
    ]);
    // Another relay in the middle of publishing hangout-held's first event.
    const other = await store.pool.getConnection();
    try {
      await other.query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
      await other.beginTransaction();
      const [[first]] = await other.query<RowDataPacket[]>(
        "SELECT MIN(seq) AS seq FROM outbox WHERE aggregate_id = 'hangout-held'",
      );
      await other.query("SELECT seq FROM outbox WHERE seq = ? FOR UPDATE", [first?.seq]);
      expect(await r.runOnce()).toEqual({ claimed: 3, published: 2, unconfirmed: 0 });
      await consumer.waitFor(2);
      expect(consumer.events().map((e) => [e.subject, e.n])).toEqual([
        ["hangout-free", 1],
        ["hangout-free", 2],
      ]);
    } finally {
      await other.rollback();
      other.release();
    }
    expect(await r.runOnce()).toEqual({ claimed: 2, published: 2, unconfirmed: 0 });
    await consumer.waitFor(4);
    expect(consumer.events().map((e) => [e.subject, e.n])).toEqual([
      ["hangout-free", 1],
      ["hangout-free", 2],
      ["hangout-held", 1],
      ["hangout-held", 2],
    ]);
  });

  test("producers never wait for a relay that is holding its rows", async () => {
    let release = () => {};
    let holding: (() => void) | undefined;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const r = await setup({
      beforeMark: () => {
        if (!holding) return;
        holding();
        holding = undefined;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    await append([sampleEvent("hangout-busy", 1)]);
    const round = r.runOnce();
    await held;
    // The relay holds its claimed rows until the mark; a new event must not wait for that.
    const connection = await store.pool.getConnection();
    try {
      await connection.query("SET SESSION innodb_lock_wait_timeout = 1");
      await connection.beginTransaction();
      await appendEvents(connection, [sampleEvent("hangout-busy", 2)]);
      await connection.commit();
    } finally {
      await connection.query("SET SESSION innodb_lock_wait_timeout = DEFAULT");
      connection.release();
    }
    release();
    expect(await round).toEqual({ claimed: 1, published: 1, unconfirmed: 0 });
    expect(await r.runOnce()).toEqual({ claimed: 1, published: 1, unconfirmed: 0 });
  });

  test("the loop publishes what is appended while it runs, and counts it", async () => {
    const registry = new Registry();
    const r = await setup({ pollIntervalMs: 20, metrics: registry });
    r.start();
    await append([sampleEvent("hangout-live", 1), sampleEvent("hangout-live", 2)]);
    await consumer.waitFor(2);
    await r.readiness.check();
    // Counted once the mark commits, which may come a moment after the delivery.
    const published =
      'outbox_events_published_total{type="dev.hangout-planner.test.happened.v1"} 2';
    await until(async () => (await registry.metrics()).includes(published), 5000, "the count");
    expect(await registry.metrics()).toContain("outbox_backlog_events 0");
  });
});
