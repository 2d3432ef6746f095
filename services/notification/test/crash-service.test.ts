import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import type { Event } from "@hangout/events/registry";
import { publish } from "@hangout/platform/inbox/inbox.fixture";
import type { SunkMessage } from "@hangout/platform/testing/mail-sink";
import {
  childWorld,
  copiesPerRecipient,
  deliveryRows,
  inboxIds,
  type NotificationProcess,
  startNotificationProcess,
  until,
} from "./crash.fixture.ts";
import { at, hangoutRow, hangoutStory } from "./events-fixtures.ts";
import { type NotificationStack, startNotificationStack, type TestUser } from "./harness.ts";

/*
 * The notification service as deployed (main.ts, its own process, database and queue) killed by
 * SIGKILL while it works, then started again. The service in this process only provides the
 * stack (auth, CA, SMTP sink) and stays idle. MAIL_CONCURRENCY=1: one email in flight at a time,
 * so at most one can be sent twice (accepted by the server, its row not yet marked).
 */

let env: NotificationStack;
let ann: TestUser;
let world: Awaited<ReturnType<typeof childWorld>> | undefined;
let child: NotificationProcess | undefined;

beforeAll(async () => {
  env = await startNotificationStack({ MAIL_POLL_INTERVAL_MS: "3600000" });
  ann = await env.user("Ann Organiser");
});
afterEach(async () => {
  await child?.stop();
  child = undefined;
  await world?.drop();
  world = undefined;
});
afterAll(() => env?.stop());

const start = async () => {
  if (!world) throw new Error("no world");
  child = await startNotificationProcess(env, {
    databaseUrl: world.url,
    names: world.names,
    env: { MAIL_CONCURRENCY: "1" },
  });
  return child;
};

/** A hangout known to the child, and `count` invitations of addresses tagged `tag`. */
async function hangoutWithInvitations(tag: string, count: number) {
  if (!world) throw new Error("no world");
  const story = hangoutStory({ owner: ann.id, title: `Crowd ${tag}` });
  await publish(world.names.exchange, [story.created(at(0))] as never);
  const { db } = world;
  await until(async () => !!(await hangoutRow(db, story.hangoutId)), 10_000, "the hangout");
  const addresses = Array.from({ length: count }, (_, i) => `guest-${i}@${tag}.example`);
  const invitations: Event[] = addresses.map((address, i) =>
    story.invitedAddress(at(1 + i), address),
  );
  return { addresses, invitations };
}

const ofTag = (tag: string) => (m: SunkMessage) => m.envelope.to.some((a) => a.endsWith(tag));

/** Waits for every delivery of `count` to be sent; returns the sink's copies per address. */
async function allSent(tag: string, count: number) {
  if (!world) throw new Error("no world");
  const { db } = world;
  await until(
    async () => {
      const rows = await deliveryRows(db);
      return rows.length === count && rows.every((d) => d.status === "sent");
    },
    60_000,
    `all ${count} emails sent`,
  );
  // Time for a wrongly repeated email to arrive before counting.
  await Bun.sleep(300);
  return copiesPerRecipient(env.sink.messages().filter(ofTag(`@${tag}.example`)));
}

test("the notification service killed mid-batch → no email lost, none doubled (outside the stated window)", async () => {
  world = await childWorld();
  const first = await start();
  const tag = `batch${Date.now().toString(36)}`;
  const { addresses, invitations } = await hangoutWithInvitations(tag, 40);

  let killedAt: Date | undefined;
  let acceptedBeforeKill: SunkMessage[] = [];
  const ours = ofTag(`@${tag}.example`);
  const stopListening = env.sink.onMessage((message) => {
    if (!ours(message) || killedAt) return;
    acceptedBeforeKill = env.sink.messages().filter(ours);
    // While the mailer waits for the server's answer to this one.
    if (acceptedBeforeKill.length === 10) {
      first.killNow();
      killedAt = new Date();
    }
  });
  try {
    await publish(world.names.exchange, invitations as never);
    expect(await first.exited).toBe("SIGKILL");
  } finally {
    stopListening();
  }
  const afterKill = await deliveryRows(world.db);
  const pendingAfterKill = new Set(
    afterKill.filter((d) => d.status === "pending").map((d) => d.email),
  );
  // Killed mid-batch: some sent, some still to send.
  expect(acceptedBeforeKill).toHaveLength(10);
  expect(pendingAfterKill.size).toBeGreaterThan(0);

  await start();
  const copies = await allSent(tag, 40);
  expect([...copies.keys()].sort()).toEqual([...addresses].sort());
  const doubled = [...copies].filter(([, n]) => n > 1);
  expect(doubled.length).toBeLessThanOrEqual(1);
  for (const [address, n] of doubled) {
    expect(n).toBe(2);
    // The one in flight: the server had it before the kill, and its row was not marked.
    const early = acceptedBeforeKill.filter((m) => m.envelope.to.includes(address));
    expect(early).toHaveLength(1);
    expect(early[0]!.receivedAt.getTime()).toBeLessThanOrEqual(killedAt!.getTime());
    expect(pendingAfterKill.has(address)).toBe(true);
  }
  // Every other email the server had before the kill was marked sent and not sent again.
  for (const message of acceptedBeforeKill) {
    const [address] = message.envelope.to;
    if (!pendingAfterKill.has(address!)) expect(copies.get(address!)).toBe(1);
  }
}, 120_000);

test("the consumer killed mid-stream → after restart, every event's deliveries exist exactly once", async () => {
  world = await childWorld();
  const first = await start();
  const tag = `stream${Date.now().toString(36)}`;
  const count = 150;
  const { invitations } = await hangoutWithInvitations(tag, count);
  const { db, names } = world;

  // Killed as soon as some of the events were handled, while the rest are still arriving.
  let inboxAtKill = 0;
  const watch = (async () => {
    for (;;) {
      inboxAtKill = (await inboxIds(db)).length;
      if (inboxAtKill > 10) return first.kill();
      await Bun.sleep(5);
    }
  })();
  await publish(names.exchange, invitations as never);
  await watch;
  expect(await first.exited).toBe("SIGKILL");
  // The hangout's creation and some invitations, not all of them.
  expect(inboxAtKill).toBeLessThan(count + 1);

  await start();
  await until(async () => (await inboxIds(db)).length === count + 1, 30_000, "every event");
  const copies = await allSent(tag, count);
  const rows = await deliveryRows(db);
  const sources = rows.map((d) => d.sourceId).sort();
  expect(sources).toEqual(invitations.map((e) => e.id).sort());
  expect(new Set(rows.map((d) => d.email)).size).toBe(count);
  expect(copies.size).toBe(count);
  // The mailer was killed too, with at most one email in flight.
  const extra = [...copies.values()].reduce((sum, n) => sum + n - 1, 0);
  expect(extra).toBeLessThanOrEqual(1);
}, 120_000);
