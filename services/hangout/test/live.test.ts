import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openSse, type SseClient } from "@hangout/platform/testing/sse-client";
import { createHangout, invite } from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";

/*
 * The live streams of one replica: who receives a change, how fast, in what shape, and how a
 * stream ends. Real broker, database, auth and file around the service.
 */

let stack: Stack;
let ann: TestUser;
let bob: TestUser;
let cat: TestUser;
let eve: TestUser;
const open: SseClient[] = [];

beforeAll(async () => {
  stack = await startStack();
  ann = await stack.user("Ann");
  bob = await stack.user("Bob");
  cat = await stack.user("Cat");
  eve = await stack.user("Eve");
});
afterAll(async () => {
  for (const client of open) client.close();
  await stack?.stop();
});

async function stream(user: TestUser, path: string, headers: Record<string, string> = {}) {
  const client = await openSse(`${stack.hangoutUrl}${path}`, {
    authorization: `Bearer ${user.token}`,
    ...headers,
  });
  open.push(client);
  return client;
}

/** A hangout of Ann's with Bob and Cat as members. */
async function party() {
  const { id } = await createHangout(stack, ann, { title: "Live party" });
  await invite(stack, ann, id, [bob, cat]);
  return id;
}

const isPosition = (id: string | undefined) => /^\d+$/.test(id ?? "");

describe("a hangout's stream", () => {
  test("two members see a third's RSVP within a second, with an id and the member as listed", async () => {
    const id = await party();
    const [annStream, bobStream] = await Promise.all([
      stream(ann, `/hangouts/${id}/events`),
      stream(bob, `/hangouts/${id}/events`),
    ]);
    expect(annStream.status).toBe(200);
    expect(annStream.headers.get("content-type")).toStartWith("text/event-stream");
    const acted = performance.now();
    const rsvp = await stack.as(cat).put(`/hangouts/${id}/rsvp`, { rsvp: "going" });
    expect(rsvp.status).toBe(200);
    for (const client of [annStream, bobStream]) {
      const event = await client.next((e) => e.event === "rsvp.changed", 3000);
      expect(event.at - acted).toBeLessThan(1000);
      expect(isPosition(event.id)).toBe(true);
      expect(client.json(event)).toEqual({
        type: "rsvp.changed",
        actorId: cat.id,
        hangoutId: id,
        member: { userId: cat.id, name: "Cat", role: "member", rsvp: "going" },
      });
    }
  });

  test("a non-member gets 404, like every route of a hangout they are not in", async () => {
    const id = await party();
    const response = await fetch(`${stack.hangoutUrl}/hangouts/${id}/events`, {
      headers: { authorization: `Bearer ${eve.token}` },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toStartWith("application/problem+json");
    const anonymous = await fetch(`${stack.hangoutUrl}/hangouts/${id}/events`);
    expect(anonymous.status).toBe(401);
  });

  test("each viewer gets their own RSVP in the hangout; no email address is ever sent", async () => {
    const id = await party();
    await stack.as(bob).put(`/hangouts/${id}/rsvp`, { rsvp: "maybe" });
    const [annStream, bobStream] = await Promise.all([
      stream(ann, `/hangouts/${id}/events`),
      stream(bob, `/hangouts/${id}/events`),
    ]);
    const patched = await stack.as(ann).patch(`/hangouts/${id}`, { title: "Live party, moved" });
    expect(patched.status).toBe(200);
    const forAnn = annStream.json(await annStream.next((e) => e.event === "hangout.updated"));
    const forBob = bobStream.json(await bobStream.next((e) => e.event === "hangout.updated"));
    expect(forAnn.hangout).toMatchObject({ id, title: "Live party, moved", myRsvp: "going" });
    expect(forBob.hangout).toMatchObject({ id, title: "Live party, moved", myRsvp: "maybe" });
    for (const client of [annStream, bobStream]) {
      for (const event of client.events) expect(event.data).not.toContain("@");
    }
  });

  test("an expired token ends the stream with its reason", async () => {
    const id = await party();
    const client = await stream(cat, `/hangouts/${id}/events`);
    expect(client.status).toBe(200);
    // Past the access token's lifetime on the service's clock.
    stack.advance(24 * 3600);
    try {
      const end = await client.next((e) => e.event === "end", 4000);
      expect(client.json(end)).toEqual({ reason: "token-expired" });
      expect(await client.ended).toBe("closed");
    } finally {
      stack.advance(-24 * 3600);
    }
  });
});

describe("resuming with Last-Event-ID", () => {
  test("gets every change missed, in order and once, then live ones", async () => {
    const id = await party();
    const first = await stream(bob, `/hangouts/${id}/events`);
    await stack.as(cat).put(`/hangouts/${id}/rsvp`, { rsvp: "maybe" });
    const seen = await first.next((e) => e.event === "rsvp.changed");
    first.close();

    // Missed while disconnected: four changes by three people.
    await stack.as(cat).put(`/hangouts/${id}/rsvp`, { rsvp: "going" });
    await stack.as(ann).patch(`/hangouts/${id}`, { title: "Resumed" });
    const proposed = await stack.as(ann).post(`/hangouts/${id}/activities`, { title: "Kayak" });
    expect(proposed.status).toBe(201);
    await stack.as(bob).put(`/hangouts/${id}/rsvp`, { rsvp: "declined" });

    const again = await stream(bob, `/hangouts/${id}/events`, { "last-event-id": seen.id ?? "" });
    await again.next((e) => e.event === "rsvp.changed" && again.json(e).actorId === bob.id);
    await stack.as(cat).put(`/hangouts/${id}/rsvp`, { rsvp: "maybe" });
    await again.next((e) => e.event === "rsvp.changed" && e.at > 0 && again.events.length >= 5);

    const kinds = again.events.map((e) => e.event);
    expect(kinds).toEqual([
      "rsvp.changed",
      "hangout.updated",
      "activity.proposed",
      "rsvp.changed",
      "rsvp.changed",
    ]);
    const ids = again.events.map((e) => Number(e.id));
    expect(ids[0]).toBeGreaterThan(Number(seen.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(again.json(again.events[2] as never)).toMatchObject({
      activity: { title: "Kayak", votes: 0, votedByMe: false },
    });
  });

  test("an id older than the history kept, or not ours, gets a reload event", async () => {
    const id = await party();
    const future = await stream(bob, `/hangouts/${id}/events`, { "last-event-id": "999999999999" });
    expect(future.json(await future.next((e) => e.event === "reload"))).toEqual({
      reason: "history-unavailable",
    });
    const garbage = await stream(bob, `/hangouts/${id}/events`, { "last-event-id": "abc" });
    await garbage.next((e) => e.event === "reload");
    // Pruned past position 1 for this hangout.
    await stack.db.query(
      "INSERT INTO live_horizons (hangout_id, pruned_through) VALUES (?, 999999)",
      [id],
    );
    const old = await stream(bob, `/hangouts/${id}/events`, { "last-event-id": "1" });
    await old.next((e) => e.event === "reload");
  });
});

describe("the caller's own stream (/me/events)", () => {
  test("tells an invited user they were invited, and follows their hangouts", async () => {
    const { id } = await createHangout(stack, ann, { title: "Me stream" });
    const mine = await stream(eve, "/me/events");
    await invite(stack, ann, id, [eve]);
    const invited = await mine.next((e) => e.event === "member.invited");
    expect(mine.json(invited)).toMatchObject({
      type: "member.invited",
      actorId: ann.id,
      hangoutId: id,
      member: { userId: eve.id, name: "Eve", rsvp: "pending" },
    });
    await stack.as(ann).patch(`/hangouts/${id}`, { title: "Me stream, later" });
    const updated = await mine.next((e) => e.event === "hangout.updated");
    expect(mine.json(updated)).toMatchObject({ hangout: { id, myRsvp: "pending" } });
  });
});

describe("the end of a stream", () => {
  test("a removed member's stream ends with the reason and gets nothing after it", async () => {
    const id = await party();
    const [catStream, bobStream] = await Promise.all([
      stream(cat, `/hangouts/${id}/events`),
      stream(bob, `/hangouts/${id}/events`),
    ]);
    const catMine = await stream(cat, "/me/events");
    const removed = await stack.as(ann).delete(`/hangouts/${id}/members/${cat.id}`);
    expect(removed.status).toBe(204);
    const end = await catStream.next((e) => e.event === "end");
    expect(catStream.json(end)).toMatchObject({ reason: "removed", hangoutId: id });
    expect(await catStream.ended).toBe("closed");
    await bobStream.next((e) => e.event === "member.removed");
    const told = await catMine.next((e) => e.event === "member.removed");
    expect(catMine.json(told)).toMatchObject({ hangoutId: id, userId: cat.id });

    await stack.as(ann).patch(`/hangouts/${id}`, { title: "After Cat" });
    await bobStream.next((e) => e.event === "hangout.updated");
    // Bob has it: Cat's own feed had its chance and must stay silent about the hangout.
    expect(catMine.events.filter((e) => e.event === "hangout.updated")).toEqual([]);
  });

  test("a deleted hangout ends every stream on it", async () => {
    const id = await party();
    const streams = await Promise.all(
      [ann, bob, cat].map((u) => stream(u, `/hangouts/${id}/events`)),
    );
    const deleted = await stack.as(ann).delete(`/hangouts/${id}`);
    expect(deleted.status).toBe(204);
    for (const client of streams) {
      const end = await client.next((e) => e.event === "end");
      expect(client.json(end)).toMatchObject({ reason: "deleted", hangoutId: id });
      expect(await client.ended).toBe("closed");
    }
  });
});
