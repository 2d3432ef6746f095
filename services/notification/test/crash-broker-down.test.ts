import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Event } from "@hangout/events/registry";
import { runTransaction } from "@hangout/platform/db";
import { appendEvents } from "@hangout/platform/outbox/append";
import {
  createConsumer,
  createOutboxDatabase,
  type OutboxDatabase,
  perSubject,
  quietLogger,
  type TestConsumer,
  testAmqpUrl,
} from "@hangout/platform/outbox/outbox.fixture";
import { createRelay, type Relay } from "@hangout/platform/outbox/relay";
import { backlog as outboxBacklog } from "@hangout/platform/outbox/relay-statements";
import { startTcpProxy, type TcpProxy } from "@hangout/platform/outbox/tcp-proxy.fixture";
import { copiesPerRecipient, inboxIds, until } from "./crash.fixture.ts";
import { at, hangoutRow, hangoutStory } from "./events-fixtures.ts";
import { type NotificationStack, startNotificationStack, type TestUser } from "./harness.ts";

/*
 * The broker out of reach for a while, cut through a TCP proxy (the broker other tests use keeps
 * running): both the producer's relay (a throwaway outbox database, the platform's relay) and the
 * notification service's consumer (in this process) talk to RabbitMQ through it. An observer
 * queue bound to the same exchange straight on the broker sees what the relay published, in the
 * order the notification queue gets it (one publishing channel, one exchange).
 */

let env: NotificationStack;
let proxy: TcpProxy;
let producer: OutboxDatabase;
let observer: TestConsumer;
let relay: Relay;
let ann: TestUser;
let friends: TestUser[];

const through = (port: number) => {
  const url = new URL(testAmqpUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
};

beforeAll(async () => {
  const broker = new URL(testAmqpUrl);
  proxy = await startTcpProxy({ host: broker.hostname, port: Number(broker.port || 5672) });
  env = await startNotificationStack({ AMQP_URL: through(proxy.port) });
  ann = await env.user("Ann Organiser");
  friends = [await env.user("Bob Friend"), await env.user("Carol Friend")];
  producer = await createOutboxDatabase();
  observer = await createConsumer(env.service.config.EVENTS_EXCHANGE);
  relay = createRelay({
    pool: producer.pool,
    url: through(proxy.port),
    exchange: env.service.config.EVENTS_EXCHANGE,
    logger: quietLogger,
    pollIntervalMs: 20,
    retryDelayMs: { initial: 20, max: 200 },
  });
  relay.start();
});
afterAll(async () => {
  await relay?.stop();
  await proxy?.stop();
  await observer?.close();
  await producer?.drop();
  await env?.stop();
});

/** What the relay's `outbox_backlog_events` gauge reads: events committed, not yet published. */
const backlog = async () => (await outboxBacklog(producer.pool)).count;
const relayProblem = () =>
  relay.readiness.check().then(
    () => undefined,
    (error: Error) => error.message,
  );
const consumerCheck = async () => {
  const response = await fetch(`${env.service.url}/readyz`);
  const body = (await response.json()) as { checks: Record<string, string> };
  return {
    status: response.status,
    check: body.checks[`consumer ${env.service.config.NOTIFICATION_QUEUE}`],
  };
};
/** One request's transaction on hangout's side: the change's events, committed together. */
const append = (events: Event[]) => runTransaction(producer.db, (tx) => appendEvents(tx, events));

test("the broker stopped for a while → requests succeed, backlog grows and drains in order when it is back", async () => {
  const stories = ["Backlog A", "Backlog B"].map((title) => hangoutStory({ owner: ann.id, title }));
  // Before: each hangout created and its friend invited; once the invitation is out, going.
  // (An RSVP handled before its invitation makes that invitation old news: no email.)
  const published: Event[] = [];
  const before = async (events: Event[]) => {
    for (const e of events) await append([e]);
    published.push(...events);
    await until(
      async () => (await inboxIds(env.db)).length === published.length,
      15_000,
      "the events before the cut",
    );
  };
  await before(stories.flatMap((s, i) => [s.created(at(0)), s.invited(at(1), friends[i]!.id)]));
  await until(() => env.sink.messages().length === 2, 15_000, "the two invitations");
  await before(stories.map((s, i) => s.rsvp(at(2), friends[i]!.id, "going")));
  expect(await backlog()).toBe(0);
  const beforeCut = env.sink.messages().length;
  const sinceCut = () => env.sink.messages().slice(0, env.sink.messages().length - beforeCut);

  await proxy.cut();
  await until(async () => !!(await relayProblem()), 5000, "the relay to report the broker");
  await until(async () => (await consumerCheck()).check !== "ok", 5000, "the consumer to notice");
  // Still in rotation: the service works without the broker for a while.
  expect((await consumerCheck()).status).toBe(200);

  // Requests go on: each change commits with its events, hangouts interleaved.
  const address = (story: number, n: number) => `guest-${story}-${n}@cut.example`;
  const during: Event[] = [];
  for (let step = 0; step < 4; step++) {
    for (const [i, story] of stories.entries()) {
      const e = [
        () => story.invitedAddress(at(10), address(i, 0)),
        () => story.updated(at(11), ["title"], { title: `${story.hangoutId} renamed` }),
        () => story.status(at(12), "planning", "confirmed"),
        () => story.invitedAddress(at(13), address(i, 1)),
      ][step]!();
      await append([e]);
      during.push(e);
      expect(await backlog()).toBe(during.length);
    }
  }
  expect(await relayProblem()).toStartWith("broker unreachable");
  // Several reconnect attempts later, nothing went out and nothing arrived.
  await Bun.sleep(500);
  expect(observer.received).toHaveLength(published.length);
  expect(await backlog()).toBe(during.length);
  expect(sinceCut()).toHaveLength(0);
  published.push(...during);

  await proxy.restore();
  await until(async () => (await backlog()) === 0, 15_000, "the backlog to drain");
  expect(await relayProblem()).toBeUndefined();
  await observer.waitFor(published.length);
  // Per hangout, in the order the changes were made.
  const sent = perSubject(
    observer
      .events()
      .map((e) => ({ subject: e.subject, n: published.findIndex((p) => p.id === e.id) })),
  );
  for (const story of stories) {
    const order = published.flatMap((e, n) => (e.subject === story.hangoutId ? [n] : []));
    expect(sent.get(story.hangoutId)).toEqual(order);
  }

  // The consumer reconnects by itself and handles every event once.
  await until(
    async () => (await inboxIds(env.db)).length === published.length,
    30_000,
    "every event handled",
  );
  expect((await inboxIds(env.db)).sort()).toEqual(published.map((e) => e.id).sort());
  expect((await consumerCheck()).check).toBe("ok");

  // Each email once: the cut's invitations and each friend's "is confirmed", nothing else.
  const expected = stories.flatMap((_, i) => [address(i, 0), address(i, 1), friends[i]!.email]);
  await until(() => sinceCut().length >= expected.length, 15_000, "the emails");
  await Bun.sleep(500);
  expect(Object.fromEntries(copiesPerRecipient(sinceCut()))).toEqual(
    Object.fromEntries(expected.map((to) => [to, 1])),
  );
  const toFriends = sinceCut().filter((m) => friends.some((f) => m.envelope.to.includes(f.email)));
  expect(toFriends.every((m) => m.subject.endsWith("is confirmed"))).toBe(true);

  for (const story of stories) {
    const row = await hangoutRow(env.db, story.hangoutId);
    expect({ title: row?.title, status: row?.status }).toEqual({
      title: `${story.hangoutId} renamed`,
      status: "confirmed",
    });
  }
}, 120_000);
