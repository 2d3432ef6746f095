import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testImageFile } from "@hangout/platform/testing/images";
import mysql from "mysql2/promise";
import { type Stack, startStack, type TestUser } from "../../../e2e/stack.ts";

interface Hangout {
  id: string;
  title: string;
  description: string | null;
  location: { name: string; address: string | null; lat: number | null; lng: number | null } | null;
  startsAt: string;
  endsAt: string | null;
  status: "planning" | "confirmed" | "done" | "cancelled";
  ownerId: string;
  memberCount: number;
  myRsvp: string;
  createdAt: string;
  updatedAt: string;
}

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

type Status = Hangout["status"];

let stack: Stack;
let db: mysql.Connection;
let owner: TestUser;
let friend: TestUser;
let stranger: TestUser;

const START = "2030-06-01T10:00:00.000Z";
const END = "2030-06-01T18:00:00.000Z";

/** A distinctive value that must never come back in an error response. */
const marker = () => `SECRET-${crypto.randomUUID()}`;

async function count(sql: string, params: unknown[] = []) {
  const [rows] = await db.query(sql, params);
  return Number((rows as { n: number }[])[0]?.n);
}

async function addMember(id: string, user: TestUser) {
  await db.query(
    "INSERT INTO members (hangout_id, user_id, role, rsvp, joined_at) VALUES (?, ?, 'member', 'pending', NOW(3))",
    [id, user.id],
  );
  await db.query("UPDATE hangouts SET member_count = member_count + 1 WHERE id = ?", [id]);
}

async function create(body: Record<string, unknown> = {}, user = owner) {
  const res = await stack
    .as(user)
    .post("/hangouts", { title: "Weekend", startsAt: START, ...body });
  expect(res.status).toBe(201);
  return (await res.json()) as Hangout;
}

async function get(id: string, user = owner) {
  const res = await stack.as(user).get(`/hangouts/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Hangout;
}

const patch = (id: string, body: unknown, user = owner) =>
  stack.as(user).patch(`/hangouts/${id}`, body);

/** Asserts a 422 problem+json naming `path`, without echoing any of `secrets`. */
async function expect422(res: Response, path: string, secrets: string[] = []) {
  const text = await res.text();
  expect(res.status).toBe(422);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const problem = JSON.parse(text) as ProblemBody;
  expect(problem.status).toBe(422);
  expect(Array.isArray(problem.errors)).toBe(true);
  for (const error of problem.errors ?? []) {
    expect(typeof error.path).toBe("string");
    expect(typeof error.message).toBe("string");
  }
  expect(problem.errors?.map((e) => e.path)).toContain(path);
  for (const secret of secrets) expect(text).not.toContain(secret);
  return problem;
}

beforeAll(async () => {
  stack = await startStack();
  db = await mysql.createConnection({ uri: stack.hangoutDatabase.url });
  owner = await stack.user("Owner");
  friend = await stack.user("Friend");
  stranger = await stack.user("Stranger");
}, 60_000);

afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

describe("POST /hangouts and GET /hangouts/{id}", () => {
  test("201 with the full Hangout shape; GET returns the same", async () => {
    const res = await stack.as(owner).post("/hangouts", {
      title: "Picnic",
      description: "Bring a blanket",
      location: { name: "Park", address: "1 Main St", lat: 48.85, lng: 2.35 },
      startsAt: "2030-06-01T12:00:00+02:00",
      endsAt: "2030-06-01T14:30:00+02:00",
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Hangout;
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      title: "Picnic",
      description: "Bring a blanket",
      location: { name: "Park", address: "1 Main St", lat: 48.85, lng: 2.35 },
      startsAt: START,
      endsAt: "2030-06-01T12:30:00.000Z",
      status: "planning",
      ownerId: owner.id,
      memberCount: 1,
      myRsvp: "going",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);
    expect(created.updatedAt).toBe(created.createdAt);
    expect(await get(created.id)).toEqual(created);
  });

  test("optional fields default to null; a location without address/lat/lng", async () => {
    const minimal = await create({ title: "Bare" });
    expect(minimal).toMatchObject({ description: null, location: null, endsAt: null });
    const place = await create({ location: { name: "Cafe" } });
    expect(place.location).toEqual({ name: "Cafe", address: null, lat: null, lng: null });
    const nulls = await create({ description: null, location: null, endsAt: null });
    expect(nulls).toMatchObject({ description: null, location: null, endsAt: null });
  });

  test("a member sees myRsvp of their own; a non-member and a bad id get 404", async () => {
    const h = await create();
    await addMember(h.id, friend);
    expect(await get(h.id, friend)).toMatchObject({ id: h.id, memberCount: 2, myRsvp: "pending" });
    expect((await stack.as(stranger).get(`/hangouts/${h.id}`)).status).toBe(404);
    expect((await stack.as(owner).get("/hangouts/not-a-uuid")).status).toBe(404);
    expect((await stack.as().get(`/hangouts/${h.id}`)).status).toBe(401);
  });

  test("text is stored as given: surrounding spaces, tabs, newlines and markup kept", async () => {
    const title = '  <b>Party</b> & "friends"\t ';
    const description = "line 1\nline 2\r\n\t<script>alert(1)</script>";
    const h = await create({ title, description, location: { name: " Bar ", address: "" } });
    expect(h).toMatchObject({ title, description });
    expect(h.location).toMatchObject({ name: " Bar ", address: "" });
    expect(await get(h.id)).toMatchObject({ title, description });
  });

  test("limits are inclusive at the maximum", async () => {
    const h = await create({
      title: "t".repeat(120),
      description: "d".repeat(5000),
      location: { name: "n".repeat(200), address: "a".repeat(300), lat: -90, lng: 180 },
    });
    expect(h.title).toHaveLength(120);
    expect(h.description).toHaveLength(5000);
    expect(h.location).toEqual({
      name: "n".repeat(200),
      address: "a".repeat(300),
      lat: -90,
      lng: 180,
    });
    const other = await create({ title: "x", location: { name: "n", lat: 90, lng: -180 } });
    expect(other.location).toMatchObject({ lat: 90, lng: -180 });
  });

  test("an empty description is accepted and kept empty", async () => {
    expect((await create({ description: "" })).description).toBe("");
  });

  const s = marker();
  const createCases: [string, Record<string, unknown>, string, string[]][] = [
    ["a missing title", { title: undefined }, "/title", []],
    ["an empty title", { title: "" }, "/title", []],
    ["a whitespace-only title", { title: " \t\n " }, "/title", []],
    ["a 121-character title", { title: `${s}${"x".repeat(121 - s.length)}` }, "/title", [s]],
    ["a title that is a number", { title: 42 }, "/title", []],
    ["a BEL in the title", { title: `${s}\u0007` }, "/title", [s]],
    ["a NUL in the title", { title: `${s}\u0000` }, "/title", [s]],
    ["a DEL in the title", { title: `${s}\u007f` }, "/title", [s]],
    ["an ESC in the description", { description: `${s}\u001b[31m` }, "/description", [s]],
    ["a vertical tab in the description", { description: `a\u000bb${s}` }, "/description", [s]],
    ["a form feed in the description", { description: `a\u000cb${s}` }, "/description", [s]],
    [
      "a 5001-character description",
      { description: `${s}${"d".repeat(5001 - s.length)}` },
      "/description",
      [s],
    ],
    ["a location without name", { location: { address: s } }, "/location/name", [s]],
    ["an empty location name", { location: { name: "" } }, "/location/name", []],
    [
      "a 201-character location name",
      { location: { name: `${s}${"n".repeat(201 - s.length)}` } },
      "/location/name",
      [s],
    ],
    [
      "a control character in the location name",
      { location: { name: `${s}\u0001` } },
      "/location/name",
      [s],
    ],
    [
      "a 301-character address",
      { location: { name: "n", address: `${s}${"a".repeat(301 - s.length)}` } },
      "/location/address",
      [s],
    ],
    [
      "a control character in the address",
      { location: { name: "n", address: `${s}\u0002` } },
      "/location/address",
      [s],
    ],
    ["lat above 90", { location: { name: "n", lat: 90.0001 } }, "/location/lat", []],
    ["lat below -90", { location: { name: "n", lat: -90.5 } }, "/location/lat", []],
    ["lng above 180", { location: { name: "n", lng: 180.5 } }, "/location/lng", []],
    ["lng below -180", { location: { name: "n", lng: -181 } }, "/location/lng", []],
    ["lat as a string", { location: { name: "n", lat: "12" } }, "/location/lat", []],
    ["a missing startsAt", { startsAt: undefined }, "/startsAt", []],
    ["a startsAt that is not a date", { startsAt: `${s}` }, "/startsAt", [s]],
    ["a startsAt without an offset", { startsAt: "2030-06-01T10:00:00" }, "/startsAt", []],
    ["a date-only startsAt", { startsAt: "2030-06-01" }, "/startsAt", []],
    ["an impossible calendar date", { startsAt: "2030-02-30T10:00:00Z" }, "/startsAt", []],
    ["an endsAt that is not a date", { endsAt: "tomorrow" }, "/endsAt", []],
    ["an endsAt before startsAt", { endsAt: "2030-06-01T09:59:59Z" }, "/endsAt", []],
    ["an endsAt equal to startsAt", { endsAt: START }, "/endsAt", []],
    [
      "an endsAt equal to startsAt in another offset",
      { endsAt: "2030-06-01T12:00:00+02:00" },
      "/endsAt",
      [],
    ],
  ];
  for (const [name, overrides, path, secrets] of createCases) {
    test(`422 at ${path} for ${name}; nothing written`, async () => {
      const before = await count("SELECT COUNT(*) AS n FROM hangouts");
      const body: Record<string, unknown> = { title: "Valid", startsAt: START, ...overrides };
      for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
      await expect422(await stack.as(owner).post("/hangouts", body), path, secrets);
      expect(await count("SELECT COUNT(*) AS n FROM hangouts")).toBe(before);
    });
  }

  test("several invalid fields are all reported", async () => {
    const res = await stack.as(owner).post("/hangouts", {
      title: "",
      description: "d".repeat(5001),
      startsAt: "nope",
    });
    const problem = await expect422(res, "/title");
    expect(problem.errors?.map((e) => e.path)).toEqual(
      expect.arrayContaining(["/title", "/description", "/startsAt"]),
    );
  });

  test("malformed JSON is 400 problem+json", async () => {
    for (const raw of ["{nope", '{"title": "a",', "[1, 2"]) {
      const res = await stack.as(owner).post("/hangouts", raw);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(((await res.json()) as ProblemBody).status).toBe(400);
    }
  });

  test("a body that is not an object is refused", async () => {
    for (const body of [[], "just a string", 42, null]) {
      const res = await stack.as(owner).post("/hangouts", JSON.stringify(body));
      expect([400, 422]).toContain(res.status);
    }
  });

  test("unknown fields are ignored: a new hangout always starts in planning, owned by the caller", async () => {
    const h = await create({ status: "done", ownerId: friend.id, memberCount: 50, id: "x" });
    expect(h).toMatchObject({ status: "planning", ownerId: owner.id, memberCount: 1 });
    expect(h.id).not.toBe("x");
  });

  test("no token is 401 and nothing is written", async () => {
    const before = await count("SELECT COUNT(*) AS n FROM hangouts");
    const res = await stack.as().post("/hangouts", { title: "Anon", startsAt: START });
    expect(res.status).toBe(401);
    expect(await count("SELECT COUNT(*) AS n FROM hangouts")).toBe(before);
  });

  test("times the database cannot store are 422, not 500", async () => {
    for (const [startsAt, endsAt] of [
      ["0000-01-01T00:00:00Z", undefined],
      ["2030-06-01T23:59:60Z", undefined],
      [START, "9999-12-31T23:59:59-05:00"],
    ]) {
      const res = await stack
        .as(owner)
        .post("/hangouts", { title: "Edge", startsAt, ...(endsAt ? { endsAt } : {}) });
      await expect422(res, endsAt ? "/endsAt" : "/startsAt");
    }
    const h = await create({ endsAt: END });
    await expect422(await patch(h.id, { startsAt: "2030-06-01T23:59:60Z" }), "/startsAt");
    await expect422(await patch(h.id, { endsAt: "9999-12-31T23:00:00-01:00" }), "/endsAt");
    expect(await get(h.id)).toEqual(h);
  });
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

  test("unknown fields are ignored: ownerId cannot be moved, and alone they are 422", async () => {
    const h = await create();
    await addMember(h.id, friend);
    const before = await get(h.id);
    await expect422(await patch(h.id, { ownerId: friend.id }), "/");
    expect(await get(h.id)).toEqual(before);
    const res = await patch(h.id, { ownerId: friend.id, memberCount: 99, title: "Renamed" });
    expect(res.status).toBe(200);
    expect(await get(h.id)).toMatchObject({ ownerId: owner.id, memberCount: 2, title: "Renamed" });
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
    await addMember(h.id, friend);
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

describe("memory upload refusals beyond memories.test.ts", () => {
  let hangoutId: string;
  const memoryCount = () => count("SELECT COUNT(*) AS n FROM memories");

  const jpeg = (overrides: Record<string, unknown> = {}) => testImageFile("jpg", overrides);

  beforeAll(async () => {
    hangoutId = (await create({ title: "Photos" })).id;
  });

  const cases: [string, () => Promise<unknown>, string][] = [
    ["no files", async () => ({ files: [] }), "/files"],
    ["a missing files field", async () => ({}), "/files"],
    ["a zero size", async () => ({ files: [await jpeg({ size: 0 })] }), "/files/0/size"],
    [
      "exactly 10 MiB + 1 on the third file",
      async () => ({
        files: [await jpeg(), await jpeg(), await jpeg({ size: 10 * 1024 * 1024 + 1 })],
      }),
      "/files/2/size",
    ],
    ["a fractional size", async () => ({ files: [await jpeg({ size: 1.5 })] }), "/files/0/size"],
    [
      "a text/html type",
      async () => ({ files: [await jpeg({ contentType: "text/html", filename: "a.html" })] }),
      "/files/0/contentType",
    ],
    [
      "a .gif name for a JPEG among valid files",
      async () => ({ files: [await jpeg(), await jpeg({ filename: "x.gif" })] }),
      "/files/1/filename",
    ],
    [
      "a control character in the filename",
      async () => ({ files: [await jpeg({ filename: "a\u0007.jpg" })] }),
      "/files/0/filename",
    ],
  ];
  for (const [name, body, path] of cases) {
    test(`${name} → 422 at ${path}, no memory rows`, async () => {
      const before = await memoryCount();
      const res = await stack
        .as(owner)
        .post(`/hangouts/${hangoutId}/memories/uploads`, await body());
      const problem = await expect422(res, path);
      expect(JSON.stringify(problem)).not.toContain("X-Amz");
      expect(await memoryCount()).toBe(before);
    });
  }

  test("exactly 10 files at exactly 10 MiB each are accepted", async () => {
    const before = await memoryCount();
    const files = await Promise.all(
      Array.from({ length: 10 }, () => jpeg({ size: 10 * 1024 * 1024 })),
    );
    const res = await stack.as(owner).post(`/hangouts/${hangoutId}/memories/uploads`, { files });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { uploads: unknown[] }).uploads).toHaveLength(10);
    expect(await memoryCount()).toBe(before + 10);
  });

  test("11 otherwise valid files → 422 and no memory rows", async () => {
    const before = await memoryCount();
    const files = await Promise.all(Array.from({ length: 11 }, () => jpeg()));
    const res = await stack.as(owner).post(`/hangouts/${hangoutId}/memories/uploads`, { files });
    await expect422(res, "/files");
    expect(await memoryCount()).toBe(before);
  });
});
