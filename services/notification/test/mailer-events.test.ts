import { afterAll, beforeAll, expect, test } from "bun:test";
import { publish } from "@hangout/platform/inbox/inbox.fixture";
import { at, hangoutStory } from "./events-fixtures.ts";
import {
  type NotificationStack,
  onlyMessage,
  startNotificationStack,
  type TestUser,
} from "./harness.ts";

/*
 * The service as wired in app.ts: hangout's events on the broker reach the consumer, which queues
 * deliveries and wakes the mailer, which sends at once rather than at its next poll (a minute
 * away here).
 */

let env: NotificationStack;
let ann: TestUser;
let bob: TestUser;

beforeAll(async () => {
  env = await startNotificationStack({ MAIL_POLL_INTERVAL_MS: "60000" });
  ann = await env.user("Ann Organiser");
  bob = await env.user("Bob Friend");
});
afterAll(() => env?.stop());

test("an invitation event becomes an email to the invitee, woken without waiting for a poll", async () => {
  const story = hangoutStory({ owner: ann.id, title: "Evented picnic" });
  const events = [story.created(at(0)), story.invited(at(1), bob.id)];
  const started = Date.now();
  await publish(env.service.config.EVENTS_EXCHANGE, events as never);

  const message = await onlyMessage(env.sink, 'Ann Organiser invited you to "Evented picnic"');
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(message.to).toEqual([{ name: "Bob Friend", address: bob.email }]);
  expect(message.text).toContain(`https://web.example.test/hangout/${story.hangoutId}`);

  // The SMTP server has it before the mailer commits: counted once committed.
  const sent = /notification_emails_total\{kind="invitation",outcome="sent"[^}]*\} 1/;
  let metrics = "";
  for (const deadline = Date.now() + 5000; !sent.test(metrics) && Date.now() < deadline; ) {
    metrics = await (await fetch(`${env.service.url}/metrics`)).text();
    await Bun.sleep(50);
  }
  expect(metrics).toMatch(/notification_emails_total\{kind="invitation",outcome="sent"[^}]*\} 1/);
  expect(metrics).toMatch(/notification_deliveries_pending\{kind="invitation"[^}]*\} 0/);
  expect(metrics).toMatch(/notification_deliveries_oldest_pending_seconds\{[^}]*\} 0/);
  expect(metrics).toMatch(/notification_email_send_seconds_count\{[^}]*result="accepted"[^}]*\} 1/);
});

test("the backlog gauges count what waits, by kind, and how long the oldest has waited", async () => {
  const dueAt = new Date(env.deps.clock().getTime() + 3_600_000);
  const content = {
    title: "Later",
    startsAt: dueAt.toISOString(),
    endsAt: null,
    locationName: null,
  };
  const id = await env.queue({ to: { userId: bob.id }, kind: "reminder", content }, { dueAt });
  env.advance(90);
  try {
    const metrics = await (await fetch(`${env.service.url}/metrics`)).text();
    expect(metrics).toMatch(/notification_deliveries_pending\{kind="reminder"[^}]*\} 1\n/);
    expect(metrics).toMatch(/notification_deliveries_pending\{kind="update"[^}]*\} 0\n/);
    const age = /notification_deliveries_oldest_pending_seconds\{[^}]*\} ([\d.]+)/.exec(metrics);
    expect(Number(age?.[1])).toBeGreaterThanOrEqual(90);
  } finally {
    await env.pool.query("UPDATE deliveries SET status = 'skipped' WHERE id = ?", [id]);
  }
});
