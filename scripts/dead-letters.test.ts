import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Consumer, createConsumer } from "../packages/platform/src/inbox/consumer.ts";
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
} from "../packages/platform/src/inbox/inbox.fixture.ts";

const names = testNames();
const backoffMs = [50];
let store: InboxDatabase;
let consumer: Consumer;
// Fails until the test lets it through, as a fixed bug would.
let broken = true;
beforeAll(async () => {
  store = await createInboxDatabase();
  consumer = createConsumer({
    db: store.db,
    url: testAmqpUrl,
    ...names,
    bindings: ["#"],
    parse: parseTestEvent,
    maxAttempts: 2,
    backoffMs,
    logger: quietLogger,
    async handle(event, tx) {
      if (broken) throw new Error("the handler has a bug");
      await tx.insert(effects).values({ eventId: event.id, n: event.data.n });
    },
  });
  consumer.start();
});
afterAll(async () => {
  await consumer.stop();
  await cleanUp(names, backoffMs);
  await store.drop();
});

async function cli(...args: string[]) {
  const child = Bun.spawn(
    [process.execPath, new URL("dead-letters.ts", import.meta.url).pathname, ...args],
    {
      env: { PATH: process.env.PATH ?? "", AMQP_URL: testAmqpUrl },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

test("list shows the dead letters; replay --id moves one back and it is then processed", async () => {
  const [first, second] = [testEvent(1), testEvent(2)] as const;
  await until(
    () =>
      consumer.readiness.check().then(
        () => true,
        () => false,
      ),
    5000,
    "connect",
  );
  await publish(names.exchange, [first, second]);
  let listed = { stdout: "", stderr: "", code: 0 };
  await until(
    async () => {
      listed = await cli("list", names.queue);
      return listed.stdout.trim().split("\n").length === 2;
    },
    10_000,
    "two dead letters",
  );
  expect(listed.code).toBe(0);
  expect(listed.stdout.trim().split("\n").sort()).toEqual(
    [first, second]
      .map((e) => `${e.id}\t${e.type}\tattempts=2\texhausted\tthe handler has a bug`)
      .sort(),
  );

  broken = false;
  const replayed = await cli("replay", names.queue, "--id", first.id);
  expect(replayed).toEqual({
    stdout: `replayed\t${first.id}\t${first.type}\n`,
    stderr: `1 dead letters moved back to ${names.queue}\n`,
    code: 0,
  });
  await until(async () => (await store.effects()).length === 1, 5000, "the replayed event");
  expect(await store.effects()).toEqual([first.id]);
  expect((await cli("list", names.queue)).stdout).toStartWith(`${second.id}\t`);

  const all = await cli("replay", names.queue, "--all");
  expect(all.stdout).toBe(`replayed\t${second.id}\t${second.type}\n`);
  await until(async () => (await store.effects()).length === 2, 5000, "the second event");
  expect((await cli("list", names.queue)).stdout).toBe("");
}, 30_000);

test("replay refuses to run without a selection, and reports an id it did not find", async () => {
  expect((await cli("replay", names.queue)).code).toBe(2);
  const missing = await cli("replay", names.queue, "--id", "00000000-0000-0000-0000-000000000000");
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("not found in");
});
