import { afterAll, beforeAll, expect, test } from "bun:test";
import { runTransaction } from "../db.ts";
import { appendEvents } from "./append.ts";
import {
  createConsumer,
  createOutboxDatabase,
  type OutboxDatabase,
  quietLogger,
  sampleEvent,
  type TestConsumer,
  testAmqpUrl,
  testExchange,
  until,
} from "./outbox.fixture.ts";
import { createRelay } from "./relay.ts";

let store: OutboxDatabase;
let consumer: TestConsumer;
const exchange = testExchange();
beforeAll(async () => {
  store = await createOutboxDatabase();
  consumer = await createConsumer(exchange);
});
afterAll(async () => {
  await consumer.close();
  await store.drop();
});

test("a relay killed between the confirm and the mark loses nothing: the batch goes out again", async () => {
  const events = [1, 2, 3].map((n) => sampleEvent("hangout-crash", n));
  await runTransaction(store.db, (tx) => appendEvents(tx, events));

  const child = Bun.spawn(
    [process.execPath, new URL("relay-crash.fixture.ts", import.meta.url).pathname],
    {
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: store.url,
        AMQP_URL: testAmqpUrl,
        EXCHANGE: exchange,
      },
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  await child.exited;
  expect({ signal: child.signalCode, stderr: await new Response(child.stderr).text() }).toEqual({
    signal: "SIGKILL",
    stderr: "",
  });

  // The broker confirmed all three before the kill; the rows were never marked.
  await consumer.waitFor(3);
  expect((await store.rows()).map((row) => row.published_at)).toEqual([null, null, null]);

  // The dead relay's transaction went with its connection, so its row locks did too.
  const relay = createRelay({ pool: store.pool, url: testAmqpUrl, exchange, logger: quietLogger });
  try {
    let published = 0;
    await until(
      async () => {
        published += (await relay.runOnce()).published;
        return published === 3;
      },
      5000,
      "the republish",
    );
  } finally {
    await relay.stop();
  }
  await consumer.waitFor(6);
  const ids = events.map((e) => e.id);
  expect(consumer.events().map((e) => e.id)).toEqual([...ids, ...ids]);
  expect((await store.rows()).every((row) => row.published_at !== null)).toBe(true);
}, 30_000);
