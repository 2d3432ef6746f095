import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  addMember,
  count,
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
    await addMember(stack, h.id, friend);
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
      const before = await count(stack, "SELECT COUNT(*) AS n FROM hangouts");
      const body: Record<string, unknown> = { title: "Valid", startsAt: START, ...overrides };
      for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
      await expect422(await stack.as(owner).post("/hangouts", body), path, secrets);
      expect(await count(stack, "SELECT COUNT(*) AS n FROM hangouts")).toBe(before);
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

  test("unknown fields are refused with 422 naming each, and nothing is written", async () => {
    const before = await count(stack, "SELECT COUNT(*) AS n FROM hangouts");
    for (const extra of [{ ownerId: friend.id }, { status: "done" }, { memberCount: 50 }]) {
      const res = await stack
        .as(owner)
        .post("/hangouts", { title: "T", startsAt: START, ...extra });
      const problem = (await res.json()) as { errors: { path: string; message: string }[] };
      expect(res.status).toBe(422);
      expect(problem.errors).toEqual([
        { path: `/${Object.keys(extra)[0]}`, message: "is not a known field" },
      ]);
    }
    const proto = await stack
      .as(owner)
      .post(
        "/hangouts",
        `{"title":"T","startsAt":"${START}","__proto__":{"ownerId":"${friend.id}"}}`,
      );
    expect(proto.status).toBe(422);
    expect(await count(stack, "SELECT COUNT(*) AS n FROM hangouts")).toBe(before);
  });

  test("no token is 401 and nothing is written", async () => {
    const before = await count(stack, "SELECT COUNT(*) AS n FROM hangouts");
    const res = await stack.as().post("/hangouts", { title: "Anon", startsAt: START });
    expect(res.status).toBe(401);
    expect(await count(stack, "SELECT COUNT(*) AS n FROM hangouts")).toBe(before);
  });

  test("times the database cannot store are 422, not 500", async () => {
    for (const [startsAt, endsAt] of [
      ["0000-01-01T00:00:00Z", undefined],
      // Years before 1000 were stored, then read back 1,900 years later.
      ["0050-06-15T12:00:00Z", undefined],
      ["0999-12-31T23:59:59Z", undefined],
      // Not RFC 3339: the offset needs its colon.
      ["2030-06-01T18:00:00+0100", undefined],
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
