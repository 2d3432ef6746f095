import { afterAll, beforeAll, expect, test } from "bun:test";
import { runTransaction } from "@hangout/platform/db";
import { appendEvents } from "@hangout/platform/outbox/append";
import {
  createOutboxDatabase,
  type OutboxDatabase,
  quietLogger,
} from "@hangout/platform/outbox/outbox.fixture";
import { createRelay } from "@hangout/platform/outbox/relay";
import { counterTotal, deliveryRows, inboxIds, until } from "./crash.fixture.ts";
import { at, hangoutStory } from "./events-fixtures.ts";
import { type NotificationStack, startNotificationStack, type TestUser } from "./harness.ts";

/*
 * hangout's side is a throwaway database with the platform's outbox table; its relay runs as a
 * child process (the platform's relay-crash fixture) that the broker confirms a batch to and that
 * dies by SIGKILL before marking it published. The notification service (in this process) gets
 * the batch, then gets it again from the next relay, and sends each email once.
 */

let env: NotificationStack;
let producer: OutboxDatabase;
let ann: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  env = await startNotificationStack();
  producer = await createOutboxDatabase();
  ann = await env.user("Ann Organiser");
  bob = await env.user("Bob Friend");
  carol = await env.user("Carol Friend");
});
afterAll(async () => {
  await producer?.drop();
  await env?.stop();
});

const relayCrashFixture = Bun.resolveSync(
  "@hangout/platform/outbox/relay-crash.fixture",
  import.meta.dir,
);
const queue = () => env.service.config.NOTIFICATION_QUEUE;
const consumed = (outcome: string) =>
  counterTotal(
    env.service.url,
    "events_consumed_total",
    new RegExp(`consumer="${queue().replaceAll(".", "\\.")}".*outcome="${outcome}"`),
  );

test("the relay killed (SIGKILL) between publish and mark → the event is delivered again and exactly one email is sent", async () => {
  const title = "Relay crash picnic";
  const story = hangoutStory({ owner: ann.id, title });
  const events = [
    story.created(at(0)),
    story.invited(at(1), bob.id),
    story.invited(at(2), carol.id),
  ];
  await runTransaction(producer.db, (tx) => appendEvents(tx, events));

  const child = Bun.spawn([process.execPath, relayCrashFixture], {
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: producer.url,
      AMQP_URL: env.service.config.AMQP_URL,
      EXCHANGE: env.service.config.EVENTS_EXCHANGE,
    },
    stdout: "ignore",
    stderr: "pipe",
  });
  await child.exited;
  expect({ signal: child.signalCode, stderr: await new Response(child.stderr).text() }).toEqual({
    signal: "SIGKILL",
    stderr: "",
  });
  // Confirmed by the broker, never marked: the outbox still owes all three.
  expect((await producer.rows()).map((row) => row.published_at)).toEqual([null, null, null]);

  // The first copies: each invitation sent and recorded.
  const subject = `Ann Organiser invited you to "${title}"`;
  for (const invitee of [bob, carol]) {
    await env.sink.waitFor((m) => m.subject === subject && m.envelope.to.includes(invitee.email));
  }
  await until(
    async () => (await deliveryRows(env.db)).filter((d) => d.status === "sent").length === 2,
    10_000,
    "both invitations marked sent",
  );
  expect(await consumed("processed")).toBe(3);
  expect(await consumed("duplicate")).toBe(0);

  // The dead relay's locks went with its connection: the next relay publishes the batch again.
  const relay = createRelay({
    pool: producer.pool,
    url: env.service.config.AMQP_URL,
    exchange: env.service.config.EVENTS_EXCHANGE,
    logger: quietLogger,
  });
  try {
    let published = 0;
    await until(
      async () => {
        published += (await relay.runOnce()).published;
        return published === 3;
      },
      10_000,
      "the republish",
    );
  } finally {
    await relay.stop();
  }
  expect((await producer.rows()).every((row) => row.published_at !== null)).toBe(true);

  // Delivered again, each copy found in the inbox and dropped.
  await until(async () => (await consumed("duplicate")) === 3, 10_000, "three duplicates");
  expect(await consumed("processed")).toBe(3);
  const ids = events.map((e) => e.id).sort();
  expect((await inboxIds(env.db)).sort()).toEqual(ids);

  // Time for a wrongly queued second email to go out before counting.
  await Bun.sleep(500);
  const copies = env.sink.messages().filter((m) => m.subject === subject);
  expect(copies.flatMap((m) => m.envelope.to).sort()).toEqual([bob.email, carol.email].sort());
  const rows = await deliveryRows(env.db);
  expect(rows.map((d) => `${d.recipient} ${d.status} ${d.attempts}`).sort()).toEqual(
    [`user:${bob.id} sent 1`, `user:${carol.id} sent 1`].sort(),
  );
}, 60_000);
