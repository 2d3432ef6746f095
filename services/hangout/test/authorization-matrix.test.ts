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
 * authorization-matrix.ts. Who may remove whom and delete which memory, and memories across
 * hangouts: authorization-members-memories.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHttpApp } from "@hangout/platform/http-app";
import {
  bodyRows,
  hangoutRows,
  json,
  key,
  MISSING,
  type matrix,
  ownerOnlyRows,
  ROUTES,
  rowName,
  startMatrix,
  type World,
} from "./authorization-matrix.ts";
import { expectProblem } from "./fixtures.ts";
import type { Stack, TestUser } from "./harness.ts";

let stack: Stack;
let owner: TestUser;
let member: TestUser;
let peer: TestUser;
let outsider: TestUser;
let newWorld: ReturnType<typeof matrix>["newWorld"];
let call: ReturnType<typeof matrix>["call"];
let snapshot: ReturnType<typeof matrix>["snapshot"];

beforeAll(async () => {
  ({ stack, owner, member, peer, outsider, newWorld, call, snapshot } = await startMatrix());
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
