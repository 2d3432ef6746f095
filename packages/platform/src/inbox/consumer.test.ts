import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { Registry } from "prom-client";
import type { Transaction } from "../db.ts";
import { type Consumer, createConsumer } from "./consumer.ts";
import { listDeadLetters } from "./dead-letters.ts";
import {
  cleanUp,
  createInboxDatabase,
  effects,
  type InboxDatabase,
  parseTestEvent,
  publish,
  quietLogger,
  type TestEvent,
  type TestSchema,
  testAmqpUrl,
  testEvent,
  testNames,
  until,
} from "./inbox.fixture.ts";

const backoffMs = [100, 300];
let store: InboxDatabase;
let running: { consumer: Consumer; names: ReturnType<typeof testNames> } | undefined;
beforeAll(async () => {
  store = await createInboxDatabase();
});
afterEach(async () => {
  if (!running) return;
  await running.consumer.stop();
  await cleanUp(running.names, backoffMs);
  running = undefined;
});
afterAll(() => store.drop());

const record = (event: TestEvent, tx: Transaction<TestSchema>) =>
  tx
    .insert(effects)
    .values({ eventId: event.id, n: event.data.n })
    .then(() => undefined);

async function start(
  handle: (event: TestEvent, tx: Transaction<TestSchema>) => Promise<void>,
  metrics?: Registry,
  afterCommit?: (event: TestEvent) => void,
) {
  const names = testNames();
  const consumer = createConsumer({
    db: store.db,
    url: testAmqpUrl,
    ...names,
    bindings: ["dev.hangout-planner.test.#"],
    parse: parseTestEvent,
    handle,
    afterCommit,
    maxAttempts: 3,
    backoffMs,
    prefetch: 4,
    logger: quietLogger,
    metrics,
  });
  running = { consumer, names };
  consumer.start();
  await until(
    () =>
      consumer.readiness.check().then(
        () => true,
        () => false,
      ),
    5000,
    "connect",
  );
  return names;
}

test("an event redelivered under the same id has no second effect", async () => {
  const metrics = new Registry();
  const names = await start(record, metrics);
  const event = testEvent(1);
  await publish(names.exchange, [event, event]);
  await until(
    async () =>
      (await metrics.getSingleMetricAsString("events_consumed_total")).includes(
        'outcome="duplicate"',
      ),
    5000,
    "the duplicate",
  );
  expect((await store.effects()).filter((id) => id === event.id)).toEqual([event.id]);
  const text = await metrics.metrics();
  expect(text).toContain(
    `events_consumed_total{consumer="${names.queue}",type="${event.type}",outcome="processed"} 1`,
  );
  expect(text).toContain(
    `events_consumed_total{consumer="${names.queue}",type="${event.type}",outcome="duplicate"} 1`,
  );
  expect(text).toContain(`event_consume_duration_seconds_count{consumer="${names.queue}"} 2`);
});

test("afterCommit runs once per processed event, after its effect is visible, never for a duplicate", async () => {
  const seen: { id: string; visible: boolean }[] = [];
  const checks: Promise<void>[] = [];
  const names = await start(record, undefined, (event) => {
    checks.push(
      store
        .effects()
        .then((done) => void seen.push({ id: event.id, visible: done.includes(event.id) })),
    );
    if (event.data.n === 4) throw new Error("a hook that fails");
  });
  const [a, b] = [testEvent(3), testEvent(4)];
  await publish(names.exchange, [a as TestEvent, a as TestEvent, b as TestEvent]);
  await until(() => checks.length === 2, 5000, "two hooks");
  await Promise.all(checks);
  await Bun.sleep(200);
  // Handled concurrently (prefetch), so in either order.
  expect(seen.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
    { id: a.id, visible: true },
    { id: b.id, visible: true },
  ]);
  // The failing hook did not turn the committed event into a retry.
  expect((await store.effects()).filter((id) => id === b.id)).toHaveLength(1);
  expect(await listDeadLetters(testAmqpUrl, names.queue)).toEqual([]);
});

test("one aggregate's events are handled one after the other, in order; others meanwhile", async () => {
  const finished: string[] = [];
  const names = await start(async (event, tx) => {
    // The first event of aggregate A is slow: A's second must wait for it, B's need not.
    if (event.data.n === 1) await Bun.sleep(300);
    await record(event, tx);
    finished.push(`${event.data.n}`);
  });
  const events = [testEvent(1), testEvent(2), testEvent(3)];
  await publish(names.exchange, [
    { ...(events[0] as TestEvent), subject: "A" },
    { ...(events[1] as TestEvent), subject: "A" },
    { ...(events[2] as TestEvent), subject: "B" },
  ]);
  await until(() => finished.length === 3, 5000, "three events");
  expect(finished).toEqual(["3", "1", "2"]);
});

test("a handler that fails twice is retried after each back-off, and its effect happens once", async () => {
  const calls: number[] = [];
  const names = await start(async (event, tx) => {
    calls.push(Date.now());
    await record(event, tx);
    // The effect above is rolled back with the failure.
    if (calls.length < 3) throw new Error("the downstream is down");
  });
  const event = testEvent(2);
  await publish(names.exchange, [event]);
  await until(async () => (await store.effects()).includes(event.id), 5000, "the third attempt");
  await Bun.sleep(200);
  expect(calls).toHaveLength(3);
  expect((await store.effects()).filter((id) => id === event.id)).toHaveLength(1);
  const [first, second, third] = calls as [number, number, number];
  expect(second - first).toBeGreaterThanOrEqual(100);
  expect(third - second).toBeGreaterThanOrEqual(300);
});

test("a poison message is dead-lettered after maxAttempts while the messages behind it flow", async () => {
  const metrics = new Registry();
  const attempts = new Map<number, number>();
  const names = await start(async (event, tx) => {
    attempts.set(event.data.n, (attempts.get(event.data.n) ?? 0) + 1);
    if (event.data.n === 0) throw new Error("cannot handle event 0");
    await record(event, tx);
  }, metrics);
  const [poison, ...rest] = [0, 1, 2, 3].map((n) => testEvent(n));
  await publish(names.exchange, [poison as TestEvent, ...rest]);
  await until(
    async () => (await listDeadLetters(testAmqpUrl, names.queue)).length === 1,
    5000,
    "the dead letter",
  );
  expect(await listDeadLetters(testAmqpUrl, names.queue)).toEqual([
    expect.objectContaining({
      eventId: poison?.id,
      type: poison?.type,
      reason: "cannot handle event 0",
      kind: "exhausted",
      attempts: 3,
    }),
  ]);
  expect(attempts.get(0)).toBe(3);
  const done = await store.effects();
  for (const event of rest) expect(done).toContain(event.id);
  expect(done).not.toContain(poison?.id);
  const text = await metrics.metrics();
  expect(text).toContain(`events_failed_total{consumer="${names.queue}",type="${poison?.type}"} 3`);
  expect(text).toContain(
    `events_dead_lettered_total{consumer="${names.queue}",type="${poison?.type}",kind="exhausted"} 1`,
  );
  // Nothing is left circulating: no further attempt after the dead-lettering.
  await Bun.sleep(500);
  expect(attempts.get(0)).toBe(3);
});

test("an unknown type and a newer version are dead-lettered with the reason, unhandled", async () => {
  let handled = 0;
  const names = await start(async () => {
    handled++;
  });
  const unknown = testEvent(1, "dev.hangout-planner.test.exploded.v1");
  const newer = testEvent(2, "dev.hangout-planner.test.happened.v2");
  await publish(names.exchange, [unknown, newer]);
  await until(
    async () => (await listDeadLetters(testAmqpUrl, names.queue)).length === 2,
    5000,
    "two dead letters",
  );
  const letters = await listDeadLetters(testAmqpUrl, names.queue);
  expect(
    letters.map(({ eventId, reason, kind, attempts }) => ({ eventId, reason, kind, attempts })),
  ).toEqual([
    {
      eventId: unknown.id,
      reason: `type ${unknown.type} is not an event type of this contract`,
      kind: "rejected",
      attempts: 0,
    },
    {
      eventId: newer.id,
      reason: `${newer.type} is a newer version than this consumer reads (v1)`,
      kind: "rejected",
      attempts: 0,
    },
  ]);
  expect(handled).toBe(0);
});
