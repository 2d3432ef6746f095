import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import type { Consumer } from "@hangout/platform/inbox/consumer";
import { listDeadLetters } from "@hangout/platform/inbox/dead-letters";
import {
  cleanUp,
  publish,
  testAmqpUrl,
  testNames,
  until,
} from "@hangout/platform/inbox/inbox.fixture";
import { createPlatform, type Platform } from "@hangout/platform/platform";
import { loadNotificationConfig } from "../src/config.ts";
import { createEventConsumer } from "../src/consumers/events.ts";
import { deliveries } from "../src/db/schema.ts";
import {
  at,
  deliveriesOf,
  hangoutRow,
  hangoutStory,
  memberRsvps,
  type NotificationStore,
  newId,
  notificationDatabase,
  TRACEPARENT,
  user,
} from "./events-fixtures.ts";

/*
 * The consumer (src/consumers/events.ts) on the real broker: hangout's events published to an
 * exchange of this test's own, as the outbox relay publishes them.
 */

const backoffMs = [200];
let store: NotificationStore;
let running: { consumer: Consumer; names: ReturnType<typeof testNames> } | undefined;
let platform: Platform;

beforeAll(async () => {
  store = await notificationDatabase();
});
afterEach(async () => {
  if (!running) return;
  await running.consumer.stop();
  await cleanUp(running.names, backoffMs);
  running = undefined;
});
afterAll(() => store?.drop());

/** A started consumer on a fresh exchange and queue; `wakes` records each onQueued call. */
async function start() {
  const names = testNames();
  const config = loadNotificationConfig({
    AMQP_URL: testAmqpUrl,
    EVENTS_EXCHANGE: names.exchange,
    NOTIFICATION_QUEUE: names.queue,
    LOG_LEVEL: "silent",
  });
  platform = createPlatform("notification", config);
  // What the mailer would find when woken: the rows must be committed by then.
  const wakes: Promise<number>[] = [];
  const visibleRows = async () => (await store.db.select().from(deliveries)).length;
  const consumer = createEventConsumer({
    db: store.db,
    config,
    platform,
    clock: () => at(3600),
    // Hangout's events never need auth here; the sign-up path has its own test (account-events).
    users: {
      byIds: () => Promise.reject(new Error("these tests send no sign-ups")),
    },
    onQueued: () => void wakes.push(visibleRows()),
    backoffMs,
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
    "the consumer to connect",
  );
  return { names, wakes };
}

/** Publishes CloudEvents as the relay does (structured JSON, message id = event id, subject). */
const send = (exchange: string, events: { id: string; type: string; subject: string }[]) =>
  publish(exchange, events);

const metric = async (name: string) =>
  (await platform.metrics.registry.getSingleMetricAsString(name)).split("\n");

test("events keep the projection and queue one email per recipient, a duplicate included", async () => {
  const { names, wakes } = await start();
  const story = hangoutStory();
  const ann = newId();
  const invitation = story.invited(at(1), ann);
  await send(names.exchange, [story.created(at(0))]);
  await until(async () => !!(await hangoutRow(store.db, story.hangoutId)), 5000, "the hangout");
  // Every processed event wakes the mailer once its commit is visible (it queued nothing here).
  await until(() => wakes.length === 1, 5000, "the first wake");
  expect(await Promise.all(wakes)).toEqual([0]);
  await send(names.exchange, [invitation, invitation]);
  await until(
    async () =>
      (await metric("events_consumed_total")).some((line) => line.includes('outcome="duplicate"')),
    5000,
    "the duplicate",
  );
  expect(await memberRsvps(store.db, story.hangoutId)).toEqual({
    [story.owner]: "going",
    [ann]: "pending",
  });
  const queued = await deliveriesOf(store.db, story.hangoutId);
  expect(queued.map((d) => [d.sourceId, d.recipient, d.kind])).toEqual([
    [invitation.id, user(ann), "invitation"],
  ]);
  // The event's own trace context, not the message header the relay copied it to.
  expect(queued[0]?.traceparent).toBe(TRACEPARENT);
  // Woken once more, for the invitation's commit (not for its duplicate), with its row visible.
  expect(await Promise.all(wakes)).toEqual([0, 1]);
});

test("an event about a hangout not created yet is retried until it is", async () => {
  const { names } = await start();
  const story = hangoutStory();
  const ann = newId();
  await send(names.exchange, [story.invited(at(1), ann)]);
  await until(
    async () => (await metric("events_failed_total")).some((line) => line.includes("invited")),
    5000,
    "the first failed attempt",
  );
  expect(await deliveriesOf(store.db, story.hangoutId)).toEqual([]);
  await send(names.exchange, [story.created(at(0))]);
  await until(
    async () => (await deliveriesOf(store.db, story.hangoutId)).length === 1,
    5000,
    "the retried invitation",
  );
  expect((await memberRsvps(store.db, story.hangoutId))[ann]).toBe("pending");
  expect(await listDeadLetters(testAmqpUrl, names.queue)).toEqual([]);
});

test("a newer or unknown version of a bound type is dead-lettered with the reason", async () => {
  const { names } = await start();
  const story = hangoutStory();
  const created = story.created(at(0));
  const newer = { ...created, id: newId(), type: "dev.hangout-planner.hangout.created.v2" };
  const unknown = { ...created, id: newId(), type: "dev.hangout-planner.hangout.created.v0" };
  await send(names.exchange, [newer, unknown]);
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
      eventId: newer.id,
      reason:
        'type "dev.hangout-planner.hangout.created.v2" is version 2 of hangout.created, newer than this consumer reads (up to v1)',
      kind: "rejected",
      attempts: 0,
    },
    {
      eventId: unknown.id,
      reason: 'type "dev.hangout-planner.hangout.created.v0" is not a known event type',
      kind: "rejected",
      attempts: 0,
    },
  ]);
  expect(await hangoutRow(store.db, story.hangoutId)).toBeUndefined();
  expect(
    (await metric("events_dead_lettered_total")).some((line) =>
      line.includes(
        `{consumer="${names.queue}",type="invalid",kind="rejected",service="notification"} 2`,
      ),
    ),
  ).toBe(true);
});
