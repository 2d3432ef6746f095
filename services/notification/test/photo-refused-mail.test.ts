import { afterAll, beforeAll, expect, test } from "bun:test";
import { publish, until } from "@hangout/platform/inbox/inbox.fixture";
import { eq } from "drizzle-orm";
import { deliveries, inbox } from "../src/db/schema.ts";
import { at, event, hangoutStory, newId } from "./events-fixtures.ts";
import {
  type NotificationStack,
  onlyMessage,
  startNotificationStack,
  type TestUser,
} from "./harness.ts";

/*
 * Issue 19 from notification's side, as wired in app.ts: hangout's `memory.processed` on the
 * broker becomes one email to the uploader of an infected photo, through the same queue and
 * mailer as every other email; a redelivery sends nothing more, a ready photo nothing at all.
 */

let env: NotificationStack;
let ann: TestUser;
let bob: TestUser;

beforeAll(async () => {
  env = await startNotificationStack();
  ann = await env.user("Ann Organiser");
  bob = await env.user("Bob Friend");
});
afterAll(() => env?.stop());

const processed = (
  hangoutId: string,
  uploadedBy: string,
  outcome:
    | { status: "ready"; failureReason: null }
    | { status: "failed"; failureReason: "infected" },
  time: Date,
) =>
  event(
    "dev.hangout-planner.memory.processed.v1",
    { hangoutId, memoryId: newId(), uploadedBy, fileId: newId(), ...outcome },
    time,
  );

/** Waits until the service's consumer has handled (and committed) the event. */
const handled = (eventId: string) =>
  until(
    async () => (await env.db.select().from(inbox).where(eq(inbox.eventId, eventId))).length > 0,
    15_000,
    `event ${eventId} to be handled`,
  );

test("an infected photo: exactly one email to its uploader, even when the event comes again", async () => {
  const story = hangoutStory({ owner: ann.id, title: "Beach day <3" });
  const infected = processed(
    story.hangoutId,
    bob.id,
    { status: "failed", failureReason: "infected" },
    at(10),
  );
  const exchange = env.service.config.EVENTS_EXCHANGE;
  const invited = story.invited(at(1), bob.id);
  await publish(exchange, [
    story.created(at(0)),
    invited,
    story.rsvp(at(2), bob.id, "going"),
    infected,
  ] as never);

  const subject = 'Your photo in "Beach day <3" was not added';
  const message = await onlyMessage(env.sink, subject);
  expect(message.to).toEqual([{ name: "Bob Friend", address: bob.email }]);
  expect(message.text).toContain("Hi Bob Friend,");
  expect(message.text).toContain("a virus scan flagged it, and it was deleted");
  expect(message.text).toContain(`https://web.example.test/hangout/${story.hangoutId}`);
  expect(message.text).not.toContain("infected");
  expect(message.html).toContain("Beach day &lt;3");
  expect(message.html).toContain("a virus scan flagged it, and it was deleted");
  expect(message.html).not.toContain("infected");
  expect(message.headers["list-unsubscribe"]?.[0]).toContain("/notifications/unsubscribe?token=");

  // Redelivered (the relay publishes at least once): the inbox and the unique key hold.
  await publish(exchange, [infected] as never);
  await until(
    async () =>
      /type="dev.hangout-planner.memory.processed.v1",outcome="duplicate"[^}]*\} 1\n/.test(
        await (await fetch(`${env.service.url}/metrics`)).text(),
      ),
    15_000,
    "the redelivered event to be seen as a duplicate",
  );
  const ready = processed(
    story.hangoutId,
    bob.id,
    { status: "ready", failureReason: null },
    at(20),
  );
  await publish(exchange, [ready] as never);
  await handled(ready.id);
  // Anything these two queued would be due at once: one more round of the mailer sends it.
  await env.deps.mailer.runOnce();
  const rows = await env.db
    .select()
    .from(deliveries)
    .where(eq(deliveries.hangoutId, story.hangoutId));
  // Bob's invitation, and one refusal.
  expect(rows.map((r) => [r.sourceId, r.recipient, r.status]).sort()).toEqual(
    [
      [invited.id, `user:${bob.id}`, "sent"],
      [`photo:${infected.data.memoryId}`, `user:${bob.id}`, "sent"],
    ].sort(),
  );
  expect(env.sink.messages().filter((m) => m.subject === subject)).toHaveLength(1);
  expect(env.sink.messages().filter((m) => m.to[0]?.address === ann.email)).toEqual([]);
});
