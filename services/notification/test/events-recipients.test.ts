import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  apply,
  at,
  deliveriesOf,
  ENDS_AT,
  event,
  hangoutStory,
  type NotificationStore,
  newId,
  notificationDatabase,
  recipientsOf,
  STARTS_AT,
  TRACEPARENT,
  user,
} from "./events-fixtures.ts";

/*
 * Who gets which email (src/services/recipients.ts, event-handler.ts): the deliveries each event queues,
 * with what their templates show.
 */

let store: NotificationStore;
beforeAll(async () => {
  store = await notificationDatabase();
});
afterAll(() => store?.drop());

const NOW = at(3600);
const summary = {
  title: "Picnic in the park",
  startsAt: STARTS_AT,
  endsAt: ENDS_AT,
  locationName: "Parc de la Tête d'Or",
};

/**
 * A hangout with a member of each kind: going, maybe, declined, pending, and one who left after
 * saying going. The owner is going.
 */
async function crowd() {
  const story = hangoutStory();
  const people = {
    going: newId(),
    maybe: newId(),
    declined: newId(),
    pending: newId(),
    gone: newId(),
  };
  await apply(store.db, [
    story.created(at(0)),
    ...Object.values(people).map((id, i) => story.invited(at(1 + i * 0.001), id)),
    story.rsvp(at(2), people.going, "going"),
    story.rsvp(at(2), people.maybe, "maybe"),
    story.rsvp(at(2), people.declined, "declined"),
    story.rsvp(at(2), people.gone, "going"),
    story.left(at(3), people.gone),
  ]);
  return { story, people };
}

describe("invitations", () => {
  test("an invited user gets one, pending and due now, with the event's trace context", async () => {
    const story = hangoutStory();
    const ann = newId();
    const invitation = story.invited(at(1), ann);
    expect(await apply(store.db, [story.created(at(0)), invitation], NOW)).toBe(1);
    expect(await deliveriesOf(store.db, story.hangoutId)).toEqual([
      expect.objectContaining({
        sourceId: invitation.id,
        recipient: user(ann),
        userId: ann,
        email: null,
        kind: "invitation",
        content: { ...summary, invitedBy: story.owner, invitationId: null },
        traceparent: TRACEPARENT,
        status: "pending",
        attempts: 0,
        nextAttemptAt: NOW,
        createdAt: NOW,
        finishedAt: null,
        outcome: null,
      }),
    ]);
  });

  test("an address with no account gets one naming the pending invitation", async () => {
    const story = hangoutStory();
    const invitationId = newId();
    const invitation = story.invitedAddress(at(1), "Zoe@Example.com", invitationId);
    await apply(store.db, [story.created(at(0)), invitation]);
    expect(await deliveriesOf(store.db, story.hangoutId)).toEqual([
      expect.objectContaining({
        sourceId: invitation.id,
        recipient: "email:zoe@example.com",
        userId: null,
        email: "Zoe@Example.com",
        kind: "invitation",
        content: { ...summary, invitedBy: story.owner, invitationId },
      }),
    ]);
  });

  test("nobody is invited by email to their own hangout", async () => {
    const story = hangoutStory();
    await apply(store.db, [story.created(at(0)), story.invited(at(1), story.owner, story.owner)]);
    expect(await deliveriesOf(store.db, story.hangoutId)).toEqual([]);
  });
});

describe("updates go to members going or maybe, never to the one who made the change", () => {
  test("confirmed and cancelled", async () => {
    const { story, people } = await crowd();
    const confirmed = story.status(at(10), "planning", "confirmed");
    const cancelled = story.status(at(11), "confirmed", "cancelled");
    expect(await apply(store.db, [confirmed, cancelled])).toBe(4);
    const told = [user(people.going), user(people.maybe)].sort();
    expect(await recipientsOf(store.db, story.hangoutId, confirmed.id)).toEqual(told);
    expect(await recipientsOf(store.db, story.hangoutId, cancelled.id)).toEqual(told);
    const [first] = (await deliveriesOf(store.db, story.hangoutId)).filter(
      (d) => d.sourceId === confirmed.id,
    );
    expect(first).toMatchObject({
      kind: "update",
      content: {
        ...summary,
        change: "confirmed",
        changes: ["confirmed"],
        actorId: story.owner,
      },
    });
  });

  test("done is not news", async () => {
    const { story } = await crowd();
    const done = story.status(at(11), "confirmed", "done");
    expect(await apply(store.db, [story.status(at(10), "planning", "confirmed"), done])).toBe(2);
    expect(await recipientsOf(store.db, story.hangoutId, done.id)).toEqual([]);
  });

  test("rescheduled or moved, with the details after the edit; other edits are not news", async () => {
    const { story, people } = await crowd();
    const later = "2030-03-11T18:00:00.000Z";
    const rescheduled = story.updated(at(10), ["startsAt", "location"], {
      startsAt: later,
      locationName: "Berges du Rhône",
    });
    const moved = story.updated(at(11), ["location"], {
      startsAt: later,
      locationName: "Parc Blandan",
    });
    const endsChanged = story.updated(at(12), ["endsAt"], { startsAt: later, endsAt: null });
    const retitled = story.updated(at(13), ["title", "description"], {
      startsAt: later,
      title: "Picnic!",
    });
    await apply(store.db, [rescheduled, moved, endsChanged, retitled]);
    const told = [user(people.going), user(people.maybe)].sort();
    for (const e of [rescheduled, moved, endsChanged]) {
      expect(await recipientsOf(store.db, story.hangoutId, e.id)).toEqual(told);
    }
    expect(await recipientsOf(store.db, story.hangoutId, retitled.id)).toEqual([]);
    const contentOf = async (sourceId: string) =>
      (await deliveriesOf(store.db, story.hangoutId)).find((d) => d.sourceId === sourceId)?.content;
    expect(await contentOf(rescheduled.id)).toEqual({
      ...summary,
      startsAt: later,
      locationName: "Berges du Rhône",
      change: "rescheduled",
      changes: ["rescheduled", "moved"],
      actorId: story.owner,
    });
    expect(await contentOf(moved.id)).toMatchObject({
      locationName: "Parc Blandan",
      change: "moved",
      changes: ["moved"],
    });
    expect(await contentOf(endsChanged.id)).toMatchObject({ endsAt: null, change: "rescheduled" });
  });

  test("the owner is told when someone else makes a change, and that someone is not", async () => {
    const { story, people } = await crowd();
    const byMember = event(
      "dev.hangout-planner.hangout.updated.v1",
      {
        hangoutId: story.hangoutId,
        actorId: people.going,
        changed: ["startsAt"],
        title: summary.title,
        startsAt: "2030-03-12T18:00:00.000Z",
        endsAt: null,
        locationName: null,
      },
      at(10),
    );
    await apply(store.db, [byMember]);
    expect(await recipientsOf(store.db, story.hangoutId, byMember.id)).toEqual(
      [user(story.owner), user(people.maybe)].sort(),
    );
  });

  test("edits of a cancelled hangout are not news", async () => {
    const { story } = await crowd();
    const moved = story.updated(at(11), ["location"], { locationName: "Elsewhere" });
    await apply(store.db, [story.status(at(10), "planning", "cancelled"), moved]);
    expect(await recipientsOf(store.db, story.hangoutId, moved.id)).toEqual([]);
  });

  test("an older change arriving after a newer one tells nobody", async () => {
    const { story } = await crowd();
    const newer = story.status(at(12), "planning", "cancelled");
    const older = story.status(at(10), "planning", "confirmed");
    const olderEdit = story.updated(at(9), ["startsAt"], { startsAt: "2030-04-01T10:00:00Z" });
    await apply(store.db, [newer, story.updated(at(11), ["title"]), older, olderEdit]);
    expect(await recipientsOf(store.db, story.hangoutId, older.id)).toEqual([]);
    expect(await recipientsOf(store.db, story.hangoutId, olderEdit.id)).toEqual([]);
  });
});

describe("one email per recipient per event", () => {
  test("the same event handled twice queues nothing the second time", async () => {
    const { story, people } = await crowd();
    const confirmed = story.status(at(10), "planning", "confirmed");
    const invitation = story.invitedAddress(at(11), "pat@example.com");
    expect(await apply(store.db, [confirmed, invitation])).toBe(3);
    // Past the inbox (a replay with another consumer name, say), the unique key holds.
    expect(await apply(store.db, [confirmed, invitation])).toBe(0);
    expect(await recipientsOf(store.db, story.hangoutId, confirmed.id)).toEqual(
      [user(people.going), user(people.maybe)].sort(),
    );
    expect(await recipientsOf(store.db, story.hangoutId, invitation.id)).toEqual([
      "email:pat@example.com",
    ]);
  });
});
