import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Consumer, createConsumer } from "./consumer.ts";
import {
  cleanUp,
  createInboxDatabase,
  effects,
  type InboxDatabase,
  parseTestEvent,
  publish,
  quietLogger,
  testAmqpUrl,
  testEvent,
  testNames,
  until,
} from "./inbox.fixture.ts";

let store: InboxDatabase;
let consumer: Consumer | undefined;
const names = testNames();
beforeAll(async () => {
  store = await createInboxDatabase();
});
afterAll(async () => {
  await consumer?.stop();
  await cleanUp(names, [100]);
  await store.drop();
});

test("a consumer killed mid-handling gets the event again, and it has exactly one effect", async () => {
  const event = testEvent(7);
  const child = Bun.spawn(
    [process.execPath, new URL("consumer-crash.fixture.ts", import.meta.url).pathname],
    {
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: store.url,
        AMQP_URL: testAmqpUrl,
        EXCHANGE: names.exchange,
        QUEUE: names.queue,
      },
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  // The child declares the queue; publish once it is bound.
  const { connect } = await import("amqplib");
  await until(
    async () => {
      const model = await connect(testAmqpUrl);
      try {
        const channel = await model.createChannel();
        channel.on("error", () => undefined);
        return await channel.checkQueue(names.queue).then(
          () => true,
          () => false,
        );
      } finally {
        await model.close().catch(() => undefined);
      }
    },
    10_000,
    "the child's queue",
  );
  await publish(names.exchange, [event]);
  await child.exited;
  expect({ signal: child.signalCode, stderr: await new Response(child.stderr).text() }).toEqual({
    signal: "SIGKILL",
    stderr: "",
  });
  // The dead connection's transaction was rolled back: no effect, no inbox row.
  await until(async () => (await store.effects()).length === 0, 5000, "the rollback");
  expect(await store.inbox()).toEqual([]);

  consumer = createConsumer({
    db: store.db,
    url: testAmqpUrl,
    ...names,
    bindings: ["#"],
    parse: parseTestEvent,
    backoffMs: [100],
    logger: quietLogger,
    handle: (e, tx) =>
      tx
        .insert(effects)
        .values({ eventId: e.id, n: e.data.n })
        .then(() => undefined),
  });
  consumer.start();
  await until(async () => (await store.effects()).length > 0, 10_000, "the redelivery");
  await Bun.sleep(200);
  expect(await store.effects()).toEqual([event.id]);
  expect((await store.inbox()).map((row) => row.event_id)).toEqual([event.id]);
}, 30_000);
