import { expect, test } from "bun:test";
import { runTransaction } from "../db.ts";
import { appendEvents } from "./append.ts";
import { outboxTestSetup, quietLogger, sampleEvent, testAmqpUrl } from "./outbox.fixture.ts";
import { createRelay } from "./relay.ts";

const setup = outboxTestSetup();

test("pruning removes published rows older than the retention, and nothing else", async () => {
  const start = new Date("2027-01-01T00:00:00.000Z");
  let now = start;
  const relay = createRelay({
    pool: setup.store.pool,
    url: testAmqpUrl,
    exchange: setup.exchange,
    logger: quietLogger,
    batchSize: 1,
    retentionSeconds: 3600,
    clock: () => now,
  });
  const events = [1, 2, 3, 4].map((n) => sampleEvent("hangout-prune", n, start));
  await runTransaction(setup.store.db, (tx) => appendEvents(tx, events));
  const remaining = async () =>
    (await setup.store.rows()).map((row) => JSON.parse(row.payload).data.n);
  try {
    expect((await relay.runOnce()).published).toBe(1); // 1, published at the start
    now = new Date(start.getTime() + 3600_000);
    expect((await relay.runOnce()).published).toBe(1); // 2, published an hour later
    expect(await relay.prune()).toBe(0); // 1 is exactly as old as the retention: kept
    expect(await remaining()).toEqual([1, 2, 3, 4]);

    now = new Date(start.getTime() + 3600_000 + 1);
    expect(await relay.prune()).toBe(1);
    // 2 is too recent; 3 and 4 were never published, however old they are.
    expect(await remaining()).toEqual([2, 3, 4]);

    now = new Date(start.getTime() + 30 * 86_400_000);
    expect(await relay.prune()).toBe(1);
    expect(await remaining()).toEqual([3, 4]);
  } finally {
    await relay.stop();
  }
});
