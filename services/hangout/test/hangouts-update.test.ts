import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  addMember,
  createHangout,
  END,
  expect422,
  getHangout,
  type Hangout,
  marker,
  type ProblemBody,
  START,
} from "./fixtures.ts";
import { type Stack, startStackWithPeople, type TestUser } from "./harness.ts";

type Status = Hangout["status"];

let stack: Stack;
let owner: TestUser;
let friend: TestUser;
let stranger: TestUser;

const create = (body: Record<string, unknown> = {}, user = owner) =>
  createHangout(stack, user, body);
const get = (id: string, user = owner) => getHangout(stack, user, id);
const patch = (id: string, body: unknown, user = owner) =>
  stack.as(user).patch(`/hangouts/${id}`, body);

beforeAll(async () => {
  ({ stack, owner, friend, stranger } = await startStackWithPeople());
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe("PATCH /hangouts/{id}", () => {
  test("edits the given fields only and bumps updatedAt", async () => {
    const h = await create({
      description: "old",
      location: { name: "Old place" },
      endsAt: END,
    });
    stack.advance(5);
    const res = await patch(h.id, { title: "New title", location: { name: "New", lat: 1 } });
    expect(res.status).toBe(200);
    const updated = (await res.json()) as Hangout;
    expect(updated).toEqual({
      ...h,
      title: "New title",
      location: { name: "New", address: null, lat: 1, lng: null },
      updatedAt: expect.any(String),
    });
    expect(new Date(updated.updatedAt).getTime()).toBeGreaterThan(new Date(h.updatedAt).getTime());
    expect(await get(h.id)).toEqual(updated);
  });

  test("null clears description, location and endsAt", async () => {
    const h = await create({ description: "d", location: { name: "p" }, endsAt: END });
    const res = await patch(h.id, { description: null, location: null, endsAt: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ description: null, location: null, endsAt: null });
  });

  test("limits are inclusive at the maximum on PATCH too", async () => {
    const h = await create();
    const res = await patch(h.id, { title: "t".repeat(120), description: "d".repeat(5000) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      title: "t".repeat(120),
      description: "d".repeat(5000),
    });
  });

  test("an empty body is 422 and a malformed one 400", async () => {
    const h = await create();
    await expect422(await patch(h.id, {}), "/");
    expect(await get(h.id)).toEqual(h);
    const res = await patch(h.id, "{title:");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });

  const s = marker();
  const patchCases: [string, Record<string, unknown>, string, string[]][] = [
    ["an empty title", { title: "" }, "/title", []],
    ["a whitespace-only title", { title: "   " }, "/title", []],
    ["a null title", { title: null }, "/title", []],
    ["a 121-character title", { title: `${s}${"x".repeat(121 - s.length)}` }, "/title", [s]],
    ["a control character in the title", { title: `${s}\u0008` }, "/title", [s]],
    [
      "a 5001-character description",
      { description: `${s}${"d".repeat(5001 - s.length)}` },
      "/description",
      [s],
    ],
    ["a control character in the description", { description: `${s}\u001f` }, "/description", [s]],
    [
      "a 201-character location name",
      { location: { name: "n".repeat(201) } },
      "/location/name",
      [],
    ],
    ["lat out of range", { location: { name: "n", lat: 91 } }, "/location/lat", []],
    ["a null startsAt", { startsAt: null }, "/startsAt", []],
    ["a bad startsAt", { startsAt: s }, "/startsAt", [s]],
    ["a bad endsAt", { endsAt: "2030-13-01T00:00:00Z" }, "/endsAt", []],
    ["an unknown status", { status: "archived" }, "/status", []],
  ];
  for (const [name, body, path, secrets] of patchCases) {
    test(`422 at ${path} for ${name}; nothing changes`, async () => {
      const h = await create({ description: "keep", location: { name: "keep" }, endsAt: END });
      await expect422(await patch(h.id, body), path, secrets);
      expect(await get(h.id)).toEqual(h);
    });
  }

  test("unknown fields are refused with 422 naming each; ownerId cannot be moved", async () => {
    const h = await create();
    await addMember(stack, h.id, friend);
    const before = await get(h.id);
    await expect422(await patch(h.id, { ownerId: friend.id }), "/ownerId");
    await expect422(
      await patch(h.id, { ownerId: friend.id, memberCount: 99, title: "Renamed" }),
      "/ownerId",
    );
    expect(await get(h.id)).toEqual(before);
    await expect422(await patch(h.id, {}), "/");
    expect(await get(h.id)).toEqual(before);
  });

  test("moving only endsAt to or before startsAt is 422 and changes nothing", async () => {
    const h = await create({ endsAt: END });
    for (const endsAt of [START, "2030-06-01T09:00:00Z"]) {
      await expect422(await patch(h.id, { endsAt, title: "Should not stick" }), "/endsAt");
    }
    expect(await get(h.id)).toEqual(h);
  });

  test("moving only startsAt to or after the existing endsAt is 422 and changes nothing", async () => {
    const h = await create({ endsAt: END });
    for (const startsAt of [END, "2030-06-02T00:00:00Z"]) {
      await expect422(await patch(h.id, { startsAt, description: "Should not stick" }), "/endsAt");
    }
    expect(await get(h.id)).toEqual(h);
  });

  test("moving both together, or clearing endsAt, is fine", async () => {
    const h = await create({ endsAt: END });
    const both = await patch(h.id, {
      startsAt: "2030-07-01T10:00:00Z",
      endsAt: "2030-07-01T10:00:01Z",
    });
    expect(both.status).toBe(200);
    expect(await both.json()).toMatchObject({
      startsAt: "2030-07-01T10:00:00.000Z",
      endsAt: "2030-07-01T10:00:01.000Z",
    });
    const cleared = await patch(h.id, { endsAt: null, startsAt: "2031-01-01T00:00:00Z" });
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toMatchObject({
      startsAt: "2031-01-01T00:00:00.000Z",
      endsAt: null,
    });
  });

  test("a start later than an unset end is fine; startsAt before the existing end is fine", async () => {
    const open = await create();
    expect((await patch(open.id, { startsAt: "2099-01-01T00:00:00Z" })).status).toBe(200);
    const closed = await create({ endsAt: END });
    const res = await patch(closed.id, { startsAt: "2030-06-01T17:59:59.999Z" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ startsAt: "2030-06-01T17:59:59.999Z", endsAt: END });
  });

  test("a member who is not the owner gets 403 and nothing changes", async () => {
    const h = await create();
    await addMember(stack, h.id, friend);
    const before = await get(h.id);
    for (const body of [{ title: "Hijacked" }, { status: "cancelled" }]) {
      const res = await patch(h.id, body, friend);
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(await get(h.id)).toEqual(before);
  });

  test("a non-member gets 404 and nothing changes; no token is 401", async () => {
    const h = await create();
    expect((await patch(h.id, { title: "Hijacked" }, stranger)).status).toBe(404);
    expect((await stack.as().patch(`/hangouts/${h.id}`, { title: "Anon" })).status).toBe(401);
    expect((await patch("00000000-0000-4000-8000-000000000000", { title: "x" })).status).toBe(404);
    expect(await get(h.id)).toEqual(h);
  });
});

describe("status transitions", () => {
  const statuses: Status[] = ["planning", "confirmed", "done", "cancelled"];
  /** How to reach each status from planning through allowed moves. */
  const pathTo: Record<Status, Status[]> = {
    planning: [],
    confirmed: ["confirmed"],
    done: ["confirmed", "done"],
    cancelled: ["cancelled"],
  };
  const allowed = new Set([
    "planning→confirmed",
    "planning→cancelled",
    "confirmed→done",
    "confirmed→cancelled",
  ]);

  async function hangoutIn(status: Status) {
    const h = await create();
    for (const step of pathTo[status]) {
      const res = await patch(h.id, { status: step });
      expect(res.status).toBe(200);
    }
    expect((await get(h.id)).status).toBe(status);
    return h.id;
  }

  for (const from of statuses) {
    for (const to of statuses) {
      if (from === to) continue;
      const move = `${from}→${to}`;
      if (allowed.has(move)) {
        test(`${move} is allowed`, async () => {
          const id = await hangoutIn(from);
          const res = await patch(id, { status: to });
          expect(res.status).toBe(200);
          expect(((await res.json()) as Hangout).status).toBe(to);
          expect((await get(id)).status).toBe(to);
        });
      } else {
        test(`${move} is 409 and changes nothing`, async () => {
          const id = await hangoutIn(from);
          const before = await get(id);
          const res = await patch(id, { status: to, title: "Should not stick" });
          expect(res.status).toBe(409);
          expect(res.headers.get("content-type")).toContain("application/problem+json");
          expect(((await res.json()) as ProblemBody).status).toBe(409);
          expect(await get(id)).toEqual(before);
        });
      }
    }
  }

  test("setting the current status again is a no-op edit (200), even when done", async () => {
    for (const status of statuses) {
      const id = await hangoutIn(status);
      const res = await patch(id, { status, title: `Still ${status}` });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status, title: `Still ${status}` });
    }
  });

  test("editing fields without status keeps the status, whatever it is", async () => {
    for (const status of statuses) {
      const id = await hangoutIn(status);
      const res = await patch(id, { title: `Edited while ${status}`, description: "x" });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status, title: `Edited while ${status}` });
      expect((await get(id)).status).toBe(status);
    }
  });

  test("a status move and a field edit in one PATCH apply together", async () => {
    const id = await hangoutIn("planning");
    const res = await patch(id, { status: "confirmed", location: { name: "Booked" } });
    expect(res.status).toBe(200);
    expect(await get(id)).toMatchObject({ status: "confirmed", location: { name: "Booked" } });
  });

  test("an invalid time combination blocks the status move too", async () => {
    const h = await create({ endsAt: END });
    await expect422(await patch(h.id, { status: "confirmed", startsAt: END }), "/endsAt");
    expect((await get(h.id)).status).toBe("planning");
  });

  test("concurrent confirm and cancel: exactly one wins, the other is 409", async () => {
    const id = await hangoutIn("planning");
    const results = await Promise.all([
      patch(id, { status: "confirmed" }),
      patch(id, { status: "cancelled" }),
    ]);
    const codes = results.map((r) => r.status).sort();
    // both can be valid in sequence (planning→confirmed→cancelled), but never both from planning
    const final = (await get(id)).status;
    if (codes[0] === 200 && codes[1] === 200) expect(final).toBe("cancelled");
    else {
      expect(codes).toEqual([200, 409]);
      expect(["confirmed", "cancelled"]).toContain(final);
    }
  });
});
