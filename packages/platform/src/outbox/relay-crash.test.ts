import { expect, test } from "bun:test";
import { runTransaction } from "../db.ts";
import { appendEvents } from "./append.ts";
import { outboxTestSetup, quietLogger, sampleEvent, testAmqpUrl, until } from "./outbox.fixture.ts";
import { createRelay } from "./relay.ts";

const setup = outboxTestSetup();

test("a relay killed between the confirm and the mark loses nothing: the batch goes out again", async () => {
  const events = [1, 2, 3].map((n) => sampleEvent("hangout-crash", n));
  await runTransaction(setup.store.db, (tx) => appendEvents(tx, events));

  const child = Bun.spawn(
    [process.execPath, new URL("relay-crash.fixture.ts", import.meta.url).pathname],
    {
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: setup.store.url,
        AMQP_URL: testAmqpUrl,
        EXCHANGE: setup.exchange,
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
  await setup.consumer.waitFor(3);
  expect((await setup.store.rows()).map((row) => row.published_at)).toEqual([null, null, null]);

  // The dead relay's transaction went with its connection, so its row locks did too.
  const relay = createRelay({
    pool: setup.store.pool,
    url: testAmqpUrl,
    exchange: setup.exchange,
    logger: quietLogger,
  });
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
  await setup.consumer.waitFor(6);
  const ids = events.map((e) => e.id);
  expect(setup.consumer.events().map((e) => e.id)).toEqual([...ids, ...ids]);
  expect((await setup.store.rows()).every((row) => row.published_at !== null)).toBe(true);
}, 30_000);
