import { afterAll, beforeAll, expect, test } from "bun:test";
import { createEvent } from "@hangout/events/create";
import { publish, until } from "@hangout/platform/inbox/inbox.fixture";
import { eq } from "drizzle-orm";
import { inbox, preferences, suppressedAddresses } from "../src/db/schema.ts";
import { type NotificationStack, startNotificationStack } from "./harness.ts";

/*
 * auth's `user.signed-up` on the service's queue: an address that unsubscribed from invitations
 * before it had an account keeps that choice once it signs up (src/services/account-events.ts).
 * The user is real (auth as a process); the event is published as auth's relay publishes it.
 */

let env: NotificationStack;
beforeAll(async () => {
  env = await startNotificationStack();
});
afterAll(() => env?.stop());

async function signedUp(userId: string) {
  const event = createEvent("dev.hangout-planner.user.signed-up.v1", { userId });
  await publish(env.service.config.EVENTS_EXCHANGE, [event]);
  await until(
    async () => (await env.db.select().from(inbox).where(eq(inbox.eventId, event.id))).length > 0,
    10_000,
    "the sign-up handled",
  );
}

const preferenceOf = async (userId: string) =>
  (await env.db.select().from(preferences).where(eq(preferences.userId, userId)))[0];

test("an address that turned invitations off keeps it off as a user; other kinds stay on", async () => {
  const zoe = await env.user("Zoe Stranger");
  // Her one click on an invitation sent to her address, before she had an account.
  await env.db
    .insert(suppressedAddresses)
    .values({ email: zoe.email.toLowerCase(), createdAt: new Date() });
  await signedUp(zoe.id);
  expect(await preferenceOf(zoe.id)).toMatchObject({
    invitation: false,
    update: true,
    reminder: true,
  });
  const shown = await env.as(zoe).get("/notifications/preferences");
  expect(await shown.json()).toEqual({ invitation: false, update: true, reminder: true });
});

test("an address that never unsubscribed gets no preference row: everything stays on", async () => {
  const yan = await env.user("Yan Newcomer");
  await signedUp(yan.id);
  expect(await preferenceOf(yan.id)).toBeUndefined();
});

test("a user auth no longer knows is nothing to do, not a failure", async () => {
  await signedUp("0190a1d0-0be8-7781-9e80-461f8cfac890");
  expect(await preferenceOf("0190a1d0-0be8-7781-9e80-461f8cfac890")).toBeUndefined();
});
