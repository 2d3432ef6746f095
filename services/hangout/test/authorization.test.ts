/**
 * The authorization matrix of the hangout service: one row per HTTP route, and every rule of
 * issue 4 checked against every row.
 *
 * - no token, or a forged one → 401 problem+json;
 * - a caller who is not a member of the hangout → 404 problem+json, byte-for-byte the same as for
 *   a hangout (or memory) that does not exist, and nothing changes;
 * - a member without the owner role on an owner-only route → 403 problem+json, and nothing changes;
 * - the least-privileged caller the route allows succeeds (so the denials above are not a typo'd
 *   path answering "No such route").
 *
 * Adding a route to the service fails the guard test at the bottom until it has a row here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHttpApp } from "@hangout/platform/http-app";
import { testImage, testImageFile } from "@hangout/platform/testing/images";
import { type Stack, startStack, type TestUser } from "../../../e2e/stack.ts";

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** The ids a row's path and body are filled in from. */
interface World {
  /** Hangout owned by `owner`, with `member` and `peer` as plain members. */
  hangoutId: string;
  /** An activity of the hangout, proposed by the owner. */
  activityId: string;
  /** A confirmed memory of the hangout, uploaded by the owner. */
  memoryId: string;
}

interface Row {
  method: Method;
  /** Exactly as the app registers it (`:id` is the memory's id under /memories). */
  path: string;
  /** What `:id` names: a hangout, a memory, or nothing (routes every user may call). */
  scope: "user" | "hangout" | "memory";
  body?: (world: World) => unknown;
  /** Only the hangout's owner (or, for a memory, its uploader) may call it: a member gets 403. */
  ownerOnly: boolean;
  /** The success status of the least-privileged allowed caller. */
  ok: 200 | 201 | 204;
}

const ROUTES: Row[] = [
  {
    method: "POST",
    path: "/hangouts",
    scope: "user",
    body: () => ({ title: "Any user", startsAt: "2030-01-01T10:00:00Z" }),
    ownerOnly: false,
    ok: 201,
  },
  { method: "GET", path: "/hangouts", scope: "user", ownerOnly: false, ok: 200 },
  { method: "GET", path: "/hangouts/:id", scope: "hangout", ownerOnly: false, ok: 200 },
  {
    method: "PATCH",
    path: "/hangouts/:id",
    scope: "hangout",
    body: () => ({ title: "Renamed" }),
    ownerOnly: true,
    ok: 200,
  },
  { method: "DELETE", path: "/hangouts/:id", scope: "hangout", ownerOnly: true, ok: 204 },
  {
    method: "POST",
    path: "/hangouts/:id/invites",
    scope: "hangout",
    body: () => ({ emails: ["nobody-at-all@example.com"] }),
    ownerOnly: true,
    ok: 200,
  },
  { method: "GET", path: "/hangouts/:id/members", scope: "hangout", ownerOnly: false, ok: 200 },
  {
    method: "PUT",
    path: "/hangouts/:id/rsvp",
    scope: "hangout",
    body: () => ({ rsvp: "maybe" }),
    ownerOnly: false,
    ok: 200,
  },
  // `:userId` is another member (`peer`): only the owner may remove someone else.
  {
    method: "DELETE",
    path: "/hangouts/:id/members/:userId",
    scope: "hangout",
    ownerOnly: true,
    ok: 204,
  },
  {
    method: "POST",
    path: "/hangouts/:id/activities",
    scope: "hangout",
    body: () => ({ title: "Bowling", notes: "lanes 3-4" }),
    ownerOnly: false,
    ok: 201,
  },
  { method: "GET", path: "/hangouts/:id/activities", scope: "hangout", ownerOnly: false, ok: 200 },
  {
    method: "PUT",
    path: "/hangouts/:id/activities/:activityId/vote",
    scope: "hangout",
    ownerOnly: false,
    ok: 204,
  },
  {
    method: "DELETE",
    path: "/hangouts/:id/activities/:activityId/vote",
    scope: "hangout",
    ownerOnly: false,
    ok: 204,
  },
  {
    method: "POST",
    path: "/hangouts/:id/memories/uploads",
    scope: "hangout",
    body: () => ({
      files: [
        { filename: "a.png", contentType: "image/png", size: 100, sha256: `${"A".repeat(43)}=` },
      ],
    }),
    ownerOnly: false,
    ok: 201,
  },
  {
    method: "POST",
    path: "/hangouts/:id/memories/confirm",
    scope: "hangout",
    body: (w) => ({ memoryIds: [w.memoryId] }),
    ownerOnly: false,
    ok: 200,
  },
  { method: "GET", path: "/hangouts/:id/memories", scope: "hangout", ownerOnly: false, ok: 200 },
  { method: "GET", path: "/memories/:id", scope: "memory", ownerOnly: false, ok: 200 },
  // The memory is the owner's upload: a member who did not upload it gets 403.
  { method: "DELETE", path: "/memories/:id", scope: "memory", ownerOnly: true, ok: 204 },
];

const PROBLEM = "application/problem+json";
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
const rowName = (row: Row) => key(row.method, row.path);
const MISSING = "0190f000-0000-7000-8000-000000000000";

let stack: Stack;
let owner: TestUser;
let member: TestUser;
let peer: TestUser;
let outsider: TestUser;

beforeAll(async () => {
  stack = await startStack();
  [owner, member, peer, outsider] = await Promise.all([
    stack.user("Owner"),
    stack.user("Member"),
    stack.user("Peer"),
    stack.user("Outsider"),
  ]);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  return JSON.parse(text) as T;
}

/** Uploads a real JPEG to `hangoutId` as `user`; confirms it unless `confirm` is false. */
async function uploadMemory(user: TestUser, hangoutId: string, confirm = true) {
  const bytes = await testImage("jpg");
  const { uploads } = await json<{
    uploads: { memoryId: string; url: string; method: string; headers: Record<string, string> }[];
  }>(
    await stack.as(user).post(`/hangouts/${hangoutId}/memories/uploads`, {
      files: [await testImageFile("jpg", { filename: "p.jpg" })],
    }),
    201,
  );
  const upload = uploads[0]!;
  const put = await fetch(upload.url, {
    method: upload.method,
    headers: upload.headers,
    body: bytes,
  });
  expect(put.status).toBe(200);
  if (confirm) {
    const result = await json<{ confirmed: { id: string }[] }>(
      await stack
        .as(user)
        .post(`/hangouts/${hangoutId}/memories/confirm`, { memoryIds: [upload.memoryId] }),
      200,
    );
    expect(result.confirmed.map((m) => m.id)).toEqual([upload.memoryId]);
  }
  return upload.memoryId;
}

async function createHangout(user: TestUser, title = "Picnic") {
  const created = await json<{ id: string }>(
    await stack.as(user).post("/hangouts", { title, startsAt: "2030-06-01T10:00:00Z" }),
    201,
  );
  return created.id;
}

/** A fresh hangout: owner, two plain members, an activity and a confirmed memory. */
async function newWorld(): Promise<World> {
  const hangoutId = await createHangout(owner);
  const invited = await json<{ invited: string[] }>(
    await stack.as(owner).post(`/hangouts/${hangoutId}/invites`, {
      emails: [member.email, peer.email],
    }),
    200,
  );
  expect(invited.invited.sort()).toEqual([member.id, peer.id].sort());
  const activity = await json<{ id: string }>(
    await stack.as(owner).post(`/hangouts/${hangoutId}/activities`, { title: "Hike" }),
    201,
  );
  const memoryId = await uploadMemory(owner, hangoutId);
  return { hangoutId, activityId: activity.id, memoryId };
}

/** The row's concrete path; `id` overrides the hangout's or memory's id. */
function pathOf(row: Row, world: World, id?: string) {
  const own = row.scope === "memory" ? world.memoryId : world.hangoutId;
  return row.path
    .replace(":activityId", world.activityId)
    .replace(":userId", peer.id)
    .replace(":id", id ?? own);
}

function call(
  row: Row,
  world: World,
  as?: TestUser,
  options: { id?: string; headers?: Record<string, string> } = {},
) {
  const api = stack.as(as);
  const path = pathOf(row, world, options.id);
  const body = row.body?.(world);
  const headers = options.headers;
  switch (row.method) {
    case "GET":
      return api.get(path, headers);
    case "DELETE":
      return api.delete(path, headers);
    case "POST":
      return api.post(path, body, headers);
    case "PATCH":
      return api.patch(path, body, headers);
    case "PUT":
      return api.put(path, body, headers);
  }
}

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
}

/** Asserts a problem+json answer with `status`; returns its body for comparisons. */
async function expectProblem(response: Response, status: number, what: string) {
  const text = await response.text();
  expect({
    what,
    status: response.status,
    contentType: response.headers.get("content-type"),
  }).toEqual({ what, status, contentType: expect.stringContaining(PROBLEM) });
  const body = JSON.parse(text) as ProblemBody;
  expect(body.status).toBe(status);
  expect(typeof body.type).toBe("string");
  expect(typeof body.title).toBe("string");
  return body;
}

/**
 * Everything a denied request could have changed, as the owner sees it (download URLs are
 * re-signed on each read, so they are left out).
 */
async function snapshot(world: World) {
  const api = stack.as(owner);
  const read = async (path: string) => {
    const response = await api.get(path);
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const memories = await read(`/hangouts/${world.hangoutId}/memories`);
  const memory = await read(`/memories/${world.memoryId}`);
  const stripUrls = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value, (k, v) => (k === "url" || k === "urlExpiresAt" ? undefined : v)),
    );
  return {
    hangout: await read(`/hangouts/${world.hangoutId}`),
    members: await read(`/hangouts/${world.hangoutId}/members`),
    activities: await read(`/hangouts/${world.hangoutId}/activities`),
    memories: stripUrls(memories),
    memory: stripUrls(memory),
  };
}

const hangoutRows = ROUTES.filter((row) => row.scope !== "user");
const ownerOnlyRows = ROUTES.filter((row) => row.ownerOnly);
const bodyRows = ROUTES.filter((row) => row.body);

describe("no valid access token → 401 problem+json", () => {
  let world: World;
  beforeAll(async () => {
    world = await newWorld();
  });

  test.each(ROUTES.map((row) => [rowName(row), row] as const))("%s", async (name, row) => {
    const before = await snapshot(world);
    const forged = `${owner.token.slice(0, -10)}${owner.token.slice(-10).split("").reverse().join("")}`;
    expect(forged).not.toBe(owner.token);
    const credentials: [string, Record<string, string> | undefined][] = [
      ["no authorization header", undefined],
      ["a forged signature", { authorization: `Bearer ${forged}` }],
      ["a non-Bearer scheme", { authorization: `Basic ${btoa("owner:secret")}` }],
      ["an empty Bearer", { authorization: "Bearer " }],
    ];
    for (const [label, headers] of credentials) {
      await expectProblem(
        await call(row, world, undefined, { headers }),
        401,
        `${name} with ${label}`,
      );
    }
    expect(await snapshot(world)).toEqual(before);
  });

  // The token is checked before the body: an anonymous caller learns nothing about a route's
  // schema from a 422 (a JSON number is a valid JSON body that no route's schema accepts).
  test.each(bodyRows.map((row) => [rowName(row), row] as const))(
    "%s with an invalid body is still 401",
    async (name, row) => {
      await expectProblem(
        await call({ ...row, body: () => 42 }, world, undefined),
        401,
        `${name} anonymous, invalid body`,
      );
    },
  );
});

describe("a non-member → 404 problem+json that does not reveal whether it exists", () => {
  let world: World;
  beforeAll(async () => {
    world = await newWorld();
  });

  test.each(hangoutRows.map((row) => [rowName(row), row] as const))("%s", async (name, row) => {
    const before = await snapshot(world);
    const existing = await expectProblem(
      await call(row, world, outsider),
      404,
      `${name} (existing)`,
    );
    const missing = await expectProblem(
      await call(row, world, outsider, { id: MISSING }),
      404,
      `${name} (nonexistent id)`,
    );
    const malformed = await expectProblem(
      await call(row, world, outsider, { id: "not-a-uuid" }),
      404,
      `${name} (malformed id)`,
    );
    const { instance: _a, ...existingBody } = existing;
    const { instance: _b, ...missingBody } = missing;
    const { instance: _c, ...malformedBody } = malformed;
    expect(existingBody).toEqual(missingBody);
    expect(malformedBody).toEqual(missingBody);
    // Not the router's "No such route": the route exists, the resource is hidden.
    expect(existing.detail).not.toBe("No such route");
    // The owner's member, too, gets the same answer for an id that does not exist.
    const missingAsMember = await expectProblem(
      await call(row, world, member, { id: MISSING }),
      404,
      `${name} (member, nonexistent id)`,
    );
    const { instance: _d, ...missingAsMemberBody } = missingAsMember;
    expect(missingAsMemberBody).toEqual(missingBody);
    // An invalid body does not tell an existing hangout from a missing one either.
    if (row.body) {
      const invalid = { ...row, body: () => 42 };
      const [a, b] = await Promise.all([
        call(invalid, world, outsider),
        call(invalid, world, outsider, { id: MISSING }),
      ]);
      expect({ status: a.status, body: await a.text() }).toEqual({
        status: b.status,
        body: await b.text(),
      });
    }
    expect(await snapshot(world)).toEqual(before);
  });

  test("GET /hangouts does not list a hangout the caller is not a member of", async () => {
    for (const query of ["", "?status=planning", "?limit=100"]) {
      const page = await json<{ items: { id: string }[] }>(
        await stack.as(outsider).get(`/hangouts${query}`),
        200,
      );
      expect(page.items.map((h) => h.id)).not.toContain(world.hangoutId);
    }
    const mine = await json<{ items: { id: string }[] }>(
      await stack.as(member).get("/hangouts"),
      200,
    );
    expect(mine.items.map((h) => h.id)).toContain(world.hangoutId);
  });
});

describe("a member without the owner role on an owner-only route → 403 problem+json", () => {
  let world: World;
  beforeAll(async () => {
    world = await newWorld();
  });

  test.each(ownerOnlyRows.map((row) => [rowName(row), row] as const))("%s", async (name, row) => {
    const before = await snapshot(world);
    for (const user of [member, peer]) {
      // `peer` is the :userId of the remove-member row; removing yourself is allowed, so only
      // `member` is the non-owner for that row.
      if (user === peer && row.path.includes(":userId")) continue;
      const body = await expectProblem(
        await call(row, world, user),
        403,
        `${name} as ${user.name}`,
      );
      expect(body.type).toContain("forbidden");
    }
    expect(await snapshot(world)).toEqual(before);
  });
});

describe("the least-privileged allowed caller succeeds", () => {
  test.each(ROUTES.map((row) => [rowName(row), row] as const))("%s", async (name, row) => {
    const world = await newWorld();
    const caller = row.ownerOnly ? owner : member;
    const response = await call(row, world, caller);
    const text = await response.text();
    expect({ name, status: response.status, text }).toMatchObject({ name, status: row.ok });
  });
});

describe("who may remove a member or delete a memory", () => {
  test("a member may leave, and is then a non-member (404) everywhere", async () => {
    const world = await newWorld();
    const api = stack.as(member);
    expect((await api.delete(`/hangouts/${world.hangoutId}/members/${member.id}`)).status).toBe(
      204,
    );
    for (const row of hangoutRows) {
      await expectProblem(await call(row, world, member), 404, `${rowName(row)} after leaving`);
    }
  });

  test("the owner cannot leave (409), a member cannot remove the owner (403)", async () => {
    const world = await newWorld();
    await expectProblem(
      await stack.as(owner).delete(`/hangouts/${world.hangoutId}/members/${owner.id}`),
      409,
      "owner leaves",
    );
    await expectProblem(
      await stack.as(member).delete(`/hangouts/${world.hangoutId}/members/${owner.id}`),
      403,
      "member removes owner",
    );
  });

  test("a member deletes their own upload; the owner deletes anyone's; another member cannot", async () => {
    const world = await newWorld();
    const mine = await uploadMemory(member, world.hangoutId);
    const theirs = await uploadMemory(peer, world.hangoutId);
    await expectProblem(
      await stack.as(peer).delete(`/memories/${mine}`),
      403,
      "peer deletes member's",
    );
    expect((await stack.as(member).get(`/memories/${mine}`)).status).toBe(200);
    expect((await stack.as(member).delete(`/memories/${mine}`)).status).toBe(204);
    expect((await stack.as(owner).delete(`/memories/${theirs}`)).status).toBe(204);
    await expectProblem(await stack.as(peer).get(`/memories/${theirs}`), 404, "deleted memory");
  });
});

describe("a memory of another hangout can never be read or deleted by id", () => {
  let a: World;
  let hangoutB: string;
  let memoryB: string;
  let pendingB: string;

  beforeAll(async () => {
    a = await newWorld();
    // B belongs to the outsider; owner, member and peer of A are not members of B.
    hangoutB = await createHangout(outsider, "Hangout B");
    memoryB = await uploadMemory(outsider, hangoutB);
    // Bytes uploaded but not confirmed yet.
    pendingB = await uploadMemory(outsider, hangoutB, false);
  });

  const bodyOf = async (response: Response, what: string) => {
    const { instance: _, ...rest } = await expectProblem(response, 404, what);
    return rest;
  };

  test("GET and DELETE /memories/{id of B} as members (and the owner) of A → the same 404 as no memory", async () => {
    for (const user of [owner, member]) {
      const api = stack.as(user);
      const none = await bodyOf(await api.get(`/memories/${MISSING}`), "missing");
      expect(await bodyOf(await api.get(`/memories/${memoryB}`), `${user.name} reads B's`)).toEqual(
        none,
      );
      expect(
        await bodyOf(await api.get(`/memories/${pendingB}`), `${user.name} reads B's pending`),
      ).toEqual(none);
      expect(
        await bodyOf(await api.delete(`/memories/${memoryB}`), `${user.name} deletes B's`),
      ).toEqual(await bodyOf(await api.delete(`/memories/${MISSING}`), "delete missing"));
    }
    const still = await json<{ id: string; hangoutId: string }>(
      await stack.as(outsider).get(`/memories/${memoryB}`),
      200,
    );
    expect(still).toMatchObject({ id: memoryB, hangoutId: hangoutB });
  });

  test("confirming B's memories through A's path confirms nothing and returns no URL", async () => {
    const response = await stack
      .as(owner)
      .post(`/hangouts/${a.hangoutId}/memories/confirm`, { memoryIds: [memoryB, pendingB] });
    const result = await json<{
      confirmed: unknown[];
      failed: { memoryId: string; reason: string }[];
    }>(response, 200);
    expect(result.confirmed).toEqual([]);
    expect(result.failed).toEqual([
      { memoryId: memoryB, reason: "not_found" },
      { memoryId: pendingB, reason: "not_found" },
    ]);

    const listA = await json<{ items: { id: string }[] }>(
      await stack.as(owner).get(`/hangouts/${a.hangoutId}/memories`),
      200,
    );
    expect(listA.items.map((m) => m.id)).toEqual([a.memoryId]);

    // B's pending memory was left alone: still unconfirmed in B, and B's owner can confirm it.
    const listB = await json<{ items: { id: string }[] }>(
      await stack.as(outsider).get(`/hangouts/${hangoutB}/memories`),
      200,
    );
    expect(listB.items.map((m) => m.id)).toEqual([memoryB]);
    const confirmB = await json<{ confirmed: { id: string }[] }>(
      await stack
        .as(outsider)
        .post(`/hangouts/${hangoutB}/memories/confirm`, { memoryIds: [pendingB] }),
      200,
    );
    expect(confirmB.confirmed.map((m) => m.id)).toEqual([pendingB]);
  });

  test("A's memory is equally hidden from B's owner", async () => {
    const api = stack.as(outsider);
    const none = await bodyOf(await api.get(`/memories/${MISSING}`), "missing");
    expect(await bodyOf(await api.get(`/memories/${a.memoryId}`), "read A's")).toEqual(none);
    expect(await bodyOf(await api.delete(`/memories/${a.memoryId}`), "delete A's")).toEqual(
      await bodyOf(await api.delete(`/memories/${MISSING}`), "delete missing"),
    );
    expect((await stack.as(member).get(`/memories/${a.memoryId}`)).status).toBe(200);
  });
});

describe("the table covers every route", () => {
  const tableKeys = () => ROUTES.map((row) => key(row.method, row.path)).sort();
  /** The routes the platform's base app adds (health, readiness, metrics, docs). */
  const platformKeys = () =>
    new Set(
      createHttpApp(stack.hangout.platform, {
        version: "0",
        description: "",
        readiness: [],
      }).routes.map((r) => key(r.method, r.path)),
    );

  test("the table has no duplicate rows", () => {
    expect(new Set(tableKeys()).size).toBe(ROUTES.length);
  });

  test("every route the app registers has exactly one row, and every row is a registered route", () => {
    const platform = platformKeys();
    expect(platform.has("GET /healthz")).toBe(true);
    const registered = [
      ...new Set(
        stack.hangout.app.routes.map((r) => key(r.method, r.path)).filter((k) => !platform.has(k)),
      ),
    ].sort();
    expect(registered.length).toBeGreaterThan(0);
    expect(registered).toEqual(tableKeys());
  });

  test("every route in the served OpenAPI document has a row", async () => {
    const response = await fetch(`${stack.hangoutUrl}/docs/json`);
    expect(response.status).toBe(200);
    const spec = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    const platform = platformKeys();
    const documented = Object.entries(spec.paths)
      .flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => key(method, path.replace(/\{(\w+)\}/g, ":$1"))),
      )
      .filter((k) => !platform.has(k))
      .sort();
    expect(documented).toEqual(tableKeys());
  });
});
