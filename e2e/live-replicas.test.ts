/**
 * Issue 18 across replicas: two hangout processes on their own ports, over one database and one
 * broker. Ann watches her hangout on replica A and acts through B; Bob watches on B and acts
 * through A. Every change reaches both streams, so each one crosses from the replica that handled
 * it to the other: with the same id on both (positions are global) and in the same order. A
 * stream resumed on the other replica with Last-Event-ID misses nothing and repeats nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openSse, type ReceivedEvent, type SseClient } from "@hangout/platform/testing/sse-client";
import { json, type Person, type Replicas, startReplicas } from "./live-replicas.fixture.ts";

/** How soon a change must be on every stream after its request was sent (issue 18). */
const LIVE_MS = 1000;

let replicas: Replicas;
let ann: Person;
let bob: Person;
let hangoutId: string;
const open: SseClient[] = [];
/** The streams of the first test, which the second disconnects and resumes elsewhere. */
let annOnA: SseClient;
let bobOnB: SseClient;
let bobMineOnB: SseClient;

const api = (replica: string, method: string, path: string, as: Person, body?: unknown) =>
  replicas.call(method, `${replica}${path}`, as, body);

async function stream(replica: string, as: Person, path: string, lastEventId?: string) {
  const client = await openSse(`${replica}${path}`, {
    authorization: `Bearer ${as.token}`,
    ...(lastEventId === undefined ? {} : { "last-event-id": lastEventId }),
  });
  open.push(client);
  expect(client.status).toBe(200);
  return client;
}

type Match = (client: SseClient, event: ReceivedEvent) => boolean;
const titled =
  (title: string): Match =>
  (client, e) =>
    e.event === "hangout.updated" &&
    client.json<{ hangout: { title: string } }>(e).hangout.title === title;
const answered =
  (person: Person, rsvp: string): Match =>
  (client, e) => {
    if (e.event !== "rsvp.changed") return false;
    const { member } = client.json<{ member: { userId: string; rsvp: string } }>(e);
    return member.userId === person.id && member.rsvp === rsvp;
  };

/**
 * Sends one action and waits for its event on every client: each within LIVE_MS of sending the
 * request (stricter than of its response), all with one id. Returns that id.
 */
async function actAndSee(action: () => Promise<Response>, clients: SseClient[], match: Match) {
  const sent = performance.now();
  const response = await action();
  expect(response.status).toBe(200);
  const seen = await Promise.all(clients.map((c) => c.next((e) => match(c, e), 3 * LIVE_MS)));
  for (const event of seen) expect(event.at - sent).toBeLessThan(LIVE_MS);
  const ids = new Set(seen.map((event) => event.id));
  expect(ids.size).toBe(1);
  const [id] = ids;
  expect(id).toMatch(/^\d+$/);
  return id as string;
}

/** The ids a client received from `from` on, in the order it received them. */
const idsFrom = (client: SseClient, from: string) =>
  client.events.map((e) => e.id ?? "-").filter((id) => id === "-" || Number(id) >= Number(from));

beforeAll(async () => {
  replicas = await startReplicas({
    // Far longer than this file runs: no replica looks at the database on its own, so every
    // change that reaches the other replica's streams was carried there by the broker's signal.
    LIVE_POLL_INTERVAL_MS: "600000",
  });
  ann = await replicas.signUp("Ann");
  bob = await replicas.signUp("Bob");
  const created = await json<{ id: string }>(
    await api(replicas.a, "POST", "/hangouts", ann, {
      title: "Two replicas",
      startsAt: "2031-06-14T09:00:00Z",
    }),
    201,
  );
  hangoutId = created.id;
  const invited = await json<{ invited: string[] }>(
    await api(replicas.a, "POST", `/hangouts/${hangoutId}/invites`, ann, { emails: [bob.email] }),
    200,
  );
  expect(invited.invited).toEqual([bob.id]);
}, 120_000);

afterAll(async () => {
  for (const client of open) client.close();
  await replicas?.stop();
});

describe("live streams across two replicas", () => {
  test("a member on each replica sees the other's actions, same ids, same order", async () => {
    const path = `/hangouts/${hangoutId}/events`;
    annOnA = await stream(replicas.a, ann, path);
    bobOnB = await stream(replicas.b, bob, path);
    bobMineOnB = await stream(replicas.b, bob, "/me/events");
    const all = [annOnA, bobOnB, bobMineOnB];

    // Handled by B: Ann's stream on A gets it through the broker.
    const renamed = await actAndSee(
      () => api(replicas.b, "PATCH", `/hangouts/${hangoutId}`, ann, { title: "Across" }),
      all,
      titled("Across"),
    );
    // Handled by A: Bob's streams on B get it through the broker.
    const going = await actAndSee(
      () => api(replicas.a, "PUT", `/hangouts/${hangoutId}/rsvp`, bob, { rsvp: "going" }),
      all,
      answered(bob, "going"),
    );

    expect(Number(going)).toBeGreaterThan(Number(renamed));
    // Nothing else, nothing twice, in one order on both replicas and on both kinds of stream.
    for (const client of all) expect(idsFrom(client, renamed)).toEqual([renamed, going]);
    const goingEvent = await bobOnB.next((e) => e.id === going);
    expect(bobOnB.json(goingEvent)).toEqual({
      type: "rsvp.changed",
      actorId: bob.id,
      hangoutId,
      member: { userId: bob.id, name: "Bob", role: "member", rsvp: "going" },
    });
    const renamedForAnn = annOnA.json(await annOnA.next((e) => e.id === renamed));
    expect(renamedForAnn).toMatchObject({
      type: "hangout.updated",
      actorId: ann.id,
      hangout: { id: hangoutId, title: "Across", myRsvp: "going" },
    });
  });

  test("a stream resumed on the other replica gets what it missed, in order and once", async () => {
    expect(bobOnB).toBeDefined();
    const lastOnB = bobOnB.events.at(-1)?.id;
    const lastMineOnB = bobMineOnB.events.at(-1)?.id;
    expect(lastOnB).toMatch(/^\d+$/);
    expect(lastMineOnB).toBe(lastOnB);
    bobOnB.close();
    bobMineOnB.close();

    // Two changes through A while Bob is away; Ann's stream on A tells their positions.
    await json(
      await api(replicas.a, "PATCH", `/hangouts/${hangoutId}`, ann, { title: "While away" }),
      200,
    );
    await json(
      await api(replicas.a, "POST", `/hangouts/${hangoutId}/activities`, ann, { title: "Kayak" }),
      201,
    );
    const missed = [
      (await annOnA.next((e) => titled("While away")(annOnA, e))).id,
      (await annOnA.next((e) => e.event === "activity.proposed")).id,
    ];

    const path = `/hangouts/${hangoutId}/events`;
    const again = await stream(replicas.a, bob, path, lastOnB);
    const mineAgain = await stream(replicas.a, bob, "/me/events", lastMineOnB);
    // Then a live one, handled by the replica Bob left.
    const live = await actAndSee(
      () => api(replicas.b, "PUT", `/hangouts/${hangoutId}/rsvp`, bob, { rsvp: "maybe" }),
      [again, mineAgain, annOnA],
      answered(bob, "maybe"),
    );

    for (const client of [again, mineAgain]) {
      expect(client.events.map((e) => [e.id, e.event])).toEqual([
        [missed[0], "hangout.updated"],
        [missed[1], "activity.proposed"],
        [live, "rsvp.changed"],
      ]);
    }
    expect(again.json(again.events[1] as ReceivedEvent)).toMatchObject({
      actorId: ann.id,
      activity: { title: "Kayak", votes: 0, votedByMe: false },
    });
  });
});
