import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLogger } from "@hangout/platform/logger";
import { loadNotificationConfig } from "../src/config.ts";
import { reminderSourceId, reminderTask } from "../src/tasks/reminders.ts";
import {
  apply,
  at,
  deliveriesOf,
  hangoutRow,
  hangoutStory,
  type NotificationStore,
  newId,
  notificationDatabase,
  user,
} from "./events-fixtures.ts";

/*
 * The reminder task (src/tasks/reminders.ts): a reminder per hangout and start time, to members
 * going or maybe, once across runs, restarts and concurrent replicas; again after a reschedule;
 * never for a hangout that is over, cancelled or deleted.
 */

const LEAD_HOURS = 24;
const config = loadNotificationConfig({
  REMINDER_LEAD_SECONDS: String(LEAD_HOURS * 3600),
  REMINDER_INTERVAL_SECONDS: "60",
});
const logger = createLogger({ service: "reminders-test", level: "silent" });
const HOUR = 3600_000;

let store: NotificationStore;
beforeAll(async () => {
  store = await notificationDatabase();
});
afterAll(() => store?.drop());

/**
 * A task on a clock of its own; `wakes` counts its onQueued calls. Each test uses start times of
 * its own year, so the hangouts of other tests are never due at its clock.
 */
function task(now: () => Date) {
  const wakes = { count: 0 };
  const made = reminderTask({
    db: store.db,
    config,
    clock: now,
    logger,
    onQueued: () => void wakes.count++,
  });
  return { ...made, wakes };
}

/** A hangout starting at `startsAt` with members going, maybe, declined, pending and gone. */
async function hangoutWithCrowd(startsAt: string) {
  const story = hangoutStory({ startsAt, endsAt: null });
  const [going, maybe, declined, pending, gone] = [newId(), newId(), newId(), newId(), newId()];
  await apply(store.db, [
    story.created(at(0)),
    ...[going, maybe, declined, pending, gone].map((id, i) => story.invited(at(1 + i / 1000), id)),
    story.rsvp(at(2), going, "going"),
    story.rsvp(at(2), maybe, "maybe"),
    story.rsvp(at(2), declined, "declined"),
    story.rsvp(at(2), gone, "going"),
    story.removed(at(3), gone),
  ]);
  return { story, told: [user(story.owner), user(going), user(maybe)].sort() };
}

const reminders = async (hangoutId: string) =>
  (await deliveriesOf(store.db, hangoutId)).filter((d) => d.kind === "reminder");

describe("a reminder", () => {
  test("is queued once the hangout is within the lead, for members going or maybe", async () => {
    const startsAt = new Date("2031-05-10T18:00:00.000Z");
    const { story, told } = await hangoutWithCrowd(startsAt.toISOString());
    let now = new Date(startsAt.getTime() - (LEAD_HOURS + 1) * HOUR);
    const t = task(() => now);
    await t.run();
    expect(await reminders(story.hangoutId)).toEqual([]);

    now = new Date(startsAt.getTime() - (LEAD_HOURS - 1) * HOUR);
    await t.run();
    const queued = await reminders(story.hangoutId);
    expect(queued.map((d) => d.recipient).sort()).toEqual(told);
    expect(queued[0]).toMatchObject({
      sourceId: reminderSourceId(story.hangoutId, startsAt),
      status: "pending",
      nextAttemptAt: now,
      content: {
        title: "Picnic in the park",
        startsAt: startsAt.toISOString(),
        endsAt: null,
        locationName: "Parc de la Tête d'Or",
      },
    });
    expect(t.wakes.count).toBe(1);
    expect((await hangoutRow(store.db, story.hangoutId))?.remindedStartsAt).toEqual(startsAt);
  });

  test("is not queued twice: a second run, a restarted task, two replicas at once", async () => {
    const startsAt = new Date("2032-05-10T18:00:00.000Z");
    const stories = await Promise.all(
      [1, 2, 3].map(() => hangoutWithCrowd(startsAt.toISOString())),
    );
    const now = () => new Date(startsAt.getTime() - HOUR);
    const [a, b] = [task(now), task(now)];
    await Promise.all([a.run(), b.run()]);
    for (const { story, told } of stories) {
      expect((await reminders(story.hangoutId)).map((d) => d.recipient).sort()).toEqual(told);
    }
    const restarted = task(now);
    await a.run();
    await restarted.run();
    expect(restarted.wakes.count).toBe(0);
    for (const { story } of stories) expect(await reminders(story.hangoutId)).toHaveLength(3);
    expect(a.wakes.count + b.wakes.count).toBeGreaterThanOrEqual(1);
  });

  test("is queued again after a reschedule, but not again when it moves back", async () => {
    const startsAt = new Date("2033-05-10T18:00:00.000Z");
    const { story, told } = await hangoutWithCrowd(startsAt.toISOString());
    let now = new Date(startsAt.getTime() - 2 * HOUR);
    const t = task(() => now);
    await t.run();
    const later = new Date(startsAt.getTime() + 3 * HOUR);
    await apply(
      store.db,
      [story.updated(at(10), ["startsAt"], { startsAt: later.toISOString() })],
      now,
    );
    now = new Date(now.getTime() + 60_000);
    await t.run();
    const queued = await reminders(story.hangoutId);
    const first = queued.filter((d) => d.sourceId === reminderSourceId(story.hangoutId, startsAt));
    const second = queued.filter((d) => d.sourceId === reminderSourceId(story.hangoutId, later));
    expect(first.map((d) => d.recipient).sort()).toEqual(told);
    expect(second.map((d) => d.recipient).sort()).toEqual(told);
    expect(
      second.every((d) => d.status === "pending" && d.content.startsAt === later.toISOString()),
    ).toBe(true);
    // Moved back to the time already reminded: a reminder for that time was queued once.
    await apply(
      store.db,
      [story.updated(at(11), ["startsAt"], { startsAt: startsAt.toISOString() })],
      now,
    );
    await t.run();
    expect(await reminders(story.hangoutId)).toHaveLength(told.length * 2);
  });

  test("is not queued for a hangout cancelled, done, deleted or already started", async () => {
    const startsAt = new Date("2034-05-10T18:00:00.000Z");
    const crowd = () => hangoutWithCrowd(startsAt.toISOString());
    const [cancelled, done, deleted, live] = await Promise.all([
      crowd(),
      crowd(),
      crowd(),
      crowd(),
    ]);
    const started = await hangoutWithCrowd(new Date(startsAt.getTime() - HOUR).toISOString());
    await apply(store.db, [
      cancelled.story.status(at(10), "planning", "cancelled"),
      done.story.status(at(10), "planning", "confirmed"),
      done.story.status(at(11), "confirmed", "done"),
      deleted.story.deleted(at(10)),
      live.story.status(at(10), "planning", "confirmed"),
    ]);
    const t = task(() => new Date(startsAt.getTime() - HOUR));
    await t.run();
    for (const { story } of [cancelled, done, deleted, started]) {
      expect(await reminders(story.hangoutId)).toEqual([]);
    }
    expect(await reminders(live.story.hangoutId)).toHaveLength(live.told.length);
  });

  test("not yet sent is given up when the hangout is cancelled", async () => {
    const startsAt = new Date("2035-05-10T18:00:00.000Z");
    const { story, told } = await hangoutWithCrowd(startsAt.toISOString());
    const now = new Date(startsAt.getTime() - HOUR);
    await task(() => now).run();
    await apply(store.db, [story.status(at(10), "planning", "cancelled")], now);
    const given = await reminders(story.hangoutId);
    expect(given.map((d) => [d.status, d.outcome])).toEqual(
      told.map(() => ["skipped", "cancelled"]),
    );
  });
});
