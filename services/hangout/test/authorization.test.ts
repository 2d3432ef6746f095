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
 * Adding a route to the service fails the guard test at the bottom until it has a row in
 * authorization-matrix.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHttpApp } from "@hangout/platform/http-app";
import {
  bodyRows,
  hangoutRows,
  json,
  key,
  MISSING,
  matrix,
  ownerOnlyRows,
  ROUTES,
  rowName,
  type World,
} from "./authorization-matrix.ts";
import { createHangout, expectProblem } from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";

let stack: Stack;
let owner: TestUser;
let member: TestUser;
let peer: TestUser;
let outsider: TestUser;
let newWorld: ReturnType<typeof matrix>["newWorld"];
let call: ReturnType<typeof matrix>["call"];
let snapshot: ReturnType<typeof matrix>["snapshot"];
let uploadMemory: ReturnType<typeof matrix>["uploadMemory"];

beforeAll(async () => {
  stack = await startStack();
  [owner, member, peer, outsider] = await Promise.all([
    stack.user("Owner"),
    stack.user("Member"),
    stack.user("Peer"),
    stack.user("Outsider"),
  ]);
  ({ newWorld, call, snapshot, uploadMemory } = matrix(stack, { owner, member, peer }));
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

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
    if (row.stream) {
      expect(response.headers.get("content-type")).toStartWith("text/event-stream");
      await response.body?.cancel();
    }
    const text = row.stream ? "" : await response.text();
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
    hangoutB = (await createHangout(stack, outsider, { title: "Hangout B" })).id;
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
