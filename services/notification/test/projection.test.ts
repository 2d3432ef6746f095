import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { HangoutNotKnownYet } from "../src/services/event-handler.ts";
import {
  apply,
  at,
  deliveriesOf,
  ENDS_AT,
  hangoutRow,
  hangoutStory,
  memberRsvps,
  type NotificationStore,
  newId,
  notificationDatabase,
  STARTS_AT,
  user,
} from "./events-fixtures.ts";

/*
 * The projection (src/services/event-handler.ts → src/repositories/projection.ts): what each hangout
 * event does to `hangouts` and `members`, and that the newest event wins whatever order they
 * are handled in.
 */

let store: NotificationStore;
beforeAll(async () => {
  store = await notificationDatabase();
});
afterAll(() => store?.drop());

describe("each event type", () => {
  test("hangout.created: the hangout, planning, and its owner as a member going", async () => {
    const story = hangoutStory();
    await apply(store.db, [story.created(at(0))]);
    expect(await hangoutRow(store.db, story.hangoutId)).toMatchObject({
      ownerId: story.owner,
      title: "Picnic in the park",
      locationName: "Parc de la Tête d'Or",
      startsAt: new Date(STARTS_AT),
      endsAt: new Date(ENDS_AT),
      status: "planning",
      changedAt: at(0),
      statusChangedAt: at(0),
      deletedAt: null,
      remindedStartsAt: null,
    });
    expect(await memberRsvps(store.db, story.hangoutId)).toEqual({ [story.owner]: "going" });
  });

  test("member.invited, joined, rsvp.changed, left and removed keep the member list", async () => {
    const story = hangoutStory();
    const [ann, bob, cat] = [newId(), newId(), newId()];
    await apply(store.db, [story.created(at(0)), story.invited(at(1), ann)]);
    expect(await memberRsvps(store.db, story.hangoutId)).toEqual({
      [story.owner]: "going",
      [ann]: "pending",
    });
    await apply(store.db, [
      story.joined(at(2), bob),
      story.invited(at(3), cat),
      story.rsvp(at(4), ann, "maybe"),
      story.rsvp(at(5), bob, "declined"),
    ]);
    expect(await memberRsvps(store.db, story.hangoutId)).toEqual({
      [story.owner]: "going",
      [ann]: "maybe",
      [bob]: "declined",
      [cat]: "pending",
    });
    await apply(store.db, [story.left(at(6), ann), story.removed(at(7), bob)]);
    expect(await memberRsvps(store.db, story.hangoutId)).toEqual({
      [story.owner]: "going",
      [cat]: "pending",
    });
    // Invited again later: a member again, starting over.
    await apply(store.db, [story.invited(at(8), ann)]);
    expect((await memberRsvps(store.db, story.hangoutId))[ann]).toBe("pending");
  });

  test("hangout.updated sets the details; status-changed the status", async () => {
    const story = hangoutStory();
    await apply(store.db, [
      story.created(at(0)),
      story.updated(at(1), ["title", "location", "endsAt"], {
        title: "Picnic by the river",
        locationName: null,
        endsAt: null,
      }),
      story.status(at(2), "planning", "confirmed"),
    ]);
    expect(await hangoutRow(store.db, story.hangoutId)).toMatchObject({
      title: "Picnic by the river",
      locationName: null,
      endsAt: null,
      startsAt: new Date(STARTS_AT),
      status: "confirmed",
      changedAt: at(1),
      statusChangedAt: at(2),
    });
  });

  test("hangout.deleted keeps a tombstone and forgets the members", async () => {
    const story = hangoutStory();
    const ann = newId();
    await apply(store.db, [
      story.created(at(0)),
      story.invited(at(1), ann),
      story.deleted(at(2), [story.owner, ann]),
    ]);
    expect((await hangoutRow(store.db, story.hangoutId))?.deletedAt).toEqual(at(2));
    expect(await memberRsvps(store.db, story.hangoutId)).toEqual({});
  });

  test("an event about a hangout not created here yet is refused, to be retried", async () => {
    const story = hangoutStory();
    const error = await apply(store.db, [story.invited(at(1), newId())]).catch((e) => e);
    expect(error).toBeInstanceOf(HangoutNotKnownYet);
    expect(await hangoutRow(store.db, story.hangoutId)).toBeUndefined();
    expect(await memberRsvps(store.db, story.hangoutId)).toEqual({});
  });
});

describe("the newest event wins, whatever order they are handled in", () => {
  test("an older edit arriving late does not overwrite a newer one", async () => {
    const story = hangoutStory();
    await apply(store.db, [
      story.created(at(0)),
      story.updated(at(5), ["title"], { title: "Newest title" }),
      story.updated(at(3), ["title", "startsAt"], {
        title: "Older title",
        startsAt: "2030-03-11T18:00:00.000Z",
      }),
    ]);
    expect(await hangoutRow(store.db, story.hangoutId)).toMatchObject({
      title: "Newest title",
      startsAt: new Date(STARTS_AT),
      changedAt: at(5),
    });
  });

  test("an older status change arriving late is not lost to a newer edit, nor undoes a newer status", async () => {
    const story = hangoutStory();
    await apply(store.db, [
      story.created(at(0)),
      story.updated(at(5), ["title"], { title: "Newer edit" }),
      story.status(at(3), "planning", "confirmed"),
    ]);
    expect(await hangoutRow(store.db, story.hangoutId)).toMatchObject({
      title: "Newer edit",
      status: "confirmed",
    });
    await apply(store.db, [
      story.status(at(9), "confirmed", "cancelled"),
      story.status(at(7), "confirmed", "done"),
    ]);
    expect((await hangoutRow(store.db, story.hangoutId))?.status).toBe("cancelled");
  });

  test("an older RSVP arriving late does not overwrite a newer one", async () => {
    const story = hangoutStory();
    const ann = newId();
    await apply(store.db, [
      story.created(at(0)),
      story.invited(at(1), ann),
      story.rsvp(at(4), ann, "declined", "going"),
      story.rsvp(at(2), ann, "going"),
    ]);
    expect((await memberRsvps(store.db, story.hangoutId))[ann]).toBe("declined");
  });

  test("an RSVP arriving before the invitation it follows is kept", async () => {
    const story = hangoutStory();
    const ann = newId();
    await apply(store.db, [
      story.created(at(0)),
      story.rsvp(at(2), ann, "going"),
      story.invited(at(1), ann),
    ]);
    expect((await memberRsvps(store.db, story.hangoutId))[ann]).toBe("going");
  });

  test("someone who left does not come back with an older event arriving late", async () => {
    const story = hangoutStory();
    const ann = newId();
    await apply(store.db, [
      story.created(at(0)),
      story.invited(at(1), ann),
      story.left(at(4), ann),
      story.rsvp(at(3), ann, "going"),
      story.invited(at(1), ann),
    ]);
    expect(await memberRsvps(store.db, story.hangoutId)).toEqual({ [story.owner]: "going" });
  });

  test("a deleted hangout's members do not come back, and its late events change nothing", async () => {
    const story = hangoutStory();
    const [ann, bob] = [newId(), newId()];
    await apply(store.db, [
      story.created(at(0)),
      story.invited(at(1), ann),
      story.deleted(at(5), [story.owner, ann]),
      story.rsvp(at(2), ann, "going"),
      story.invited(at(3), bob),
      story.joined(at(3), newId()),
      story.updated(at(4), ["title", "startsAt"], { title: "Late edit" }),
      story.status(at(4), "planning", "confirmed"),
    ]);
    const row = await hangoutRow(store.db, story.hangoutId);
    expect(row).toMatchObject({ title: "Picnic in the park", status: "planning" });
    expect(row?.deletedAt).toEqual(at(5));
    expect(await memberRsvps(store.db, story.hangoutId)).toEqual({});
    // Only ann's invitation, from before the deletion, which gave it up.
    const left = await deliveriesOf(store.db, story.hangoutId);
    expect(left.map((d) => [d.recipient, d.status, d.outcome])).toEqual([
      [user(ann), "skipped", "hangout deleted"],
    ]);
  });

  test("a deletion handled before the creation leaves nothing alive", async () => {
    const story = hangoutStory();
    await apply(store.db, [story.deleted(at(5)), story.created(at(0))]);
    expect((await hangoutRow(store.db, story.hangoutId))?.deletedAt).toEqual(at(5));
    expect(await memberRsvps(store.db, story.hangoutId)).toEqual({});
  });
});
