import { expect, test } from "bun:test";
import { Registry } from "prom-client";
import { runTransaction } from "../db.ts";
import { appendEvents } from "./append.ts";
import {
  outboxTestSetup,
  perSubject,
  quietLogger,
  sampleEvent,
  testAmqpUrl,
  until,
} from "./outbox.fixture.ts";
import { createRelay } from "./relay.ts";

const setup = outboxTestSetup();

const EVENTS = 1000;
const AGGREGATES = 20;

const publishedBy = async (registry: Registry) => {
  const metric = await registry.getSingleMetric("outbox_events_published_total")?.get();
  return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
};

test("two relays at once publish every event once, each aggregate in order", async () => {
  // Aggregates interleaved at random, so every batch either relay claims spans many of them.
  const next = new Map<string, number>();
  const events = Array.from({ length: EVENTS }, () => {
    const subject = `hangout-${Math.floor(Math.random() * AGGREGATES)}`;
    const n = next.get(subject) ?? 0;
    next.set(subject, n + 1);
    return sampleEvent(subject, n);
  });
  const registries = [new Registry(), new Registry()];
  const relays = registries.map((metrics) =>
    createRelay({
      pool: setup.store.pool,
      url: testAmqpUrl,
      exchange: setup.exchange,
      logger: quietLogger,
      metrics,
      batchSize: 25,
      pollIntervalMs: 10,
    }),
  );
  for (const relay of relays) relay.start();
  try {
    // Appended while both run, in transactions of a few events each, as producers would.
    for (let i = 0; i < EVENTS; i += 10) {
      await runTransaction(setup.store.db, (tx) => appendEvents(tx, events.slice(i, i + 10)));
    }
    await setup.consumer.waitFor(EVENTS, 30_000);
    await until(
      async () => (await setup.store.rows()).every((row) => row.published_at !== null),
      10_000,
      "every row marked",
    );
  } finally {
    await Promise.all(relays.map((relay) => relay.stop()));
  }

  const delivered = setup.consumer.events();
  expect(delivered).toHaveLength(EVENTS);
  expect(new Set(delivered.map((e) => e.id)).size).toBe(EVENTS);
  for (const [, ns] of perSubject(delivered)) {
    expect(ns).toEqual(ns.map((_, i) => i));
  }
  // Both took part: otherwise this would say nothing about two relays.
  const counts = await Promise.all(registries.map(publishedBy));
  expect(counts[0]! + counts[1]!).toBe(EVENTS);
  expect(Math.min(...counts)).toBeGreaterThan(0);
}, 60_000);
