import { expect, test } from "bun:test";
import { Registry } from "prom-client";
import { runTransaction } from "../db.ts";
import { freePort } from "../testing/ports.ts";
import { appendEvents } from "./append.ts";
import { outboxTestSetup, quietLogger, sampleEvent, testAmqpUrl, until } from "./outbox.fixture.ts";
import { createRelay } from "./relay.ts";
import { startTcpProxy } from "./tcp-proxy.fixture.ts";

const setup = outboxTestSetup();

const broker = new URL(testAmqpUrl);
const through = (port: number) => {
  const url = new URL(testAmqpUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
};

const gauge = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values[0]?.value;

const readinessProblem = async (check: () => Promise<void>) =>
  check().then(
    () => undefined,
    (error: Error) => error.message,
  );

test("with no broker, appends still commit, the relay is not ready and publishes nothing", async () => {
  const relay = createRelay({
    pool: setup.store.pool,
    url: through(freePort()),
    exchange: setup.exchange,
    logger: quietLogger,
  });
  try {
    const event = sampleEvent("hangout-nobroker", 1);
    await runTransaction(setup.store.db, (tx) => appendEvents(tx, [event]));
    await expect(relay.runOnce()).rejects.toThrow("ECONNREFUSED");
    expect(await readinessProblem(relay.readiness.check)).toStartWith("broker unreachable:");
    const [row] = (await setup.store.rows()).filter((r) => r.event_id === event.id);
    expect(row?.published_at).toBeNull();
  } finally {
    await relay.stop();
    await setup.store.pool.query("DELETE FROM outbox");
  }
});

test("the broker cut off and back: the backlog grows, then drains in order, nothing lost", async () => {
  const proxy = await startTcpProxy({ host: broker.hostname, port: Number(broker.port || 5672) });
  const registry = new Registry();
  const relay = createRelay({
    pool: setup.store.pool,
    url: through(proxy.port),
    exchange: setup.exchange,
    logger: quietLogger,
    metrics: registry,
    pollIntervalMs: 20,
    retryDelayMs: { initial: 20, max: 200 },
  });
  const append = (ns: number[], time?: Date) =>
    runTransaction(setup.store.db, (tx) =>
      appendEvents(
        tx,
        ns.map((n) => sampleEvent(`hangout-${n % 2}`, n, time)),
      ),
    );
  const expected: number[] = [];
  try {
    relay.start();
    await append([0, 1]);
    expected.push(0, 1);
    await setup.consumer.waitFor(2);
    await until(async () => (await gauge(registry, "outbox_backlog_events")) === 0, 5000, "marked");
    expect(await readinessProblem(relay.readiness.check)).toBeUndefined();

    await proxy.cut();
    await until(async () => !!(await readinessProblem(relay.readiness.check)), 5000, "not ready");
    // The API's side keeps working: each change commits with its events.
    const longAgo = new Date(Date.now() - 60_000);
    for (let n = 2; n < 12; n += 2) {
      await append([n, n + 1], longAgo);
      expected.push(n, n + 1);
    }
    expect(await gauge(registry, "outbox_backlog_events")).toBe(10);
    await append([12, 13]);
    expected.push(12, 13);
    expect(await gauge(registry, "outbox_backlog_events")).toBe(12);
    expect(await gauge(registry, "outbox_oldest_unpublished_age_seconds")).toBeGreaterThanOrEqual(
      60,
    );
    // Several reconnect attempts later, still nothing went out.
    await Bun.sleep(300);
    expect(setup.consumer.received).toHaveLength(2);
    expect(await readinessProblem(relay.readiness.check)).toBeDefined();

    await proxy.restore();
    await setup.consumer.waitFor(expected.length, 10_000);
    await until(
      async () => (await gauge(registry, "outbox_backlog_events")) === 0,
      5000,
      "drained",
    );
    expect(await readinessProblem(relay.readiness.check)).toBeUndefined();
    expect(await gauge(registry, "outbox_oldest_unpublished_age_seconds")).toBe(0);
  } finally {
    await relay.stop();
    await proxy.stop();
  }
  expect(setup.consumer.events().map((e) => e.n)).toEqual(expected);
}, 30_000);
