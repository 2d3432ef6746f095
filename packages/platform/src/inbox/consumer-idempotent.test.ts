import { afterEach, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { type Consumer, createConsumer } from "./consumer.ts";
import { listDeadLetters } from "./dead-letters.ts";
import {
  cleanUp,
  parseTestEvent,
  publish,
  quietLogger,
  type TestEvent,
  testAmqpUrl,
  testEvent,
  testNames,
  until,
} from "./inbox.fixture.ts";

// A consumer without a database (the media worker): no inbox, so every delivery reaches the
// handler, and the retries and dead letters work as with an inbox.

const backoffMs = [100];
let running: { consumer: Consumer; names: ReturnType<typeof testNames> } | undefined;
afterEach(async () => {
  if (!running) return;
  await running.consumer.stop();
  await cleanUp(running.names, backoffMs);
  running = undefined;
});

async function start(handle: (event: TestEvent) => Promise<void>, metrics?: Registry) {
  const names = testNames();
  const consumer = createConsumer<TestEvent, Record<string, never>>({
    url: testAmqpUrl,
    ...names,
    bindings: ["dev.hangout-planner.test.#"],
    parse: parseTestEvent,
    handleIdempotently: handle,
    maxAttempts: 2,
    backoffMs,
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

test("every delivery reaches the handler, a redelivered one included, and is counted processed", async () => {
  const metrics = new Registry();
  const handled: number[] = [];
  const names = await start(async (event) => void handled.push(event.data.n), metrics);
  const event = testEvent(7);
  await publish(names.exchange, [event, event, testEvent(8)]);
  await until(() => handled.length === 3, 5000, "three deliveries");
  expect(handled.sort()).toEqual([7, 7, 8]);
  expect(await metrics.getSingleMetricAsString("events_consumed_total")).toContain(
    `events_consumed_total{consumer="${names.queue}",type="${event.type}",outcome="processed"} 3`,
  );
});

test("a failing handler is retried, then dead-lettered with its reason", async () => {
  let calls = 0;
  const names = await start(async () => {
    calls++;
    throw new Error("the file service is away");
  });
  const event = testEvent(9);
  await publish(names.exchange, [event]);
  await until(
    async () => (await listDeadLetters(testAmqpUrl, names.queue)).length === 1,
    5000,
    "the dead letter",
  );
  expect(calls).toBe(2);
  const [dead] = await listDeadLetters(testAmqpUrl, names.queue);
  expect(dead).toMatchObject({ reason: "the file service is away", kind: "exhausted" });
});
