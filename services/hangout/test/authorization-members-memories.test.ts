/**
 * Authorization beyond the route matrix (authorization-matrix.test.ts): who may remove a member
 * or delete a memory, and that a memory is never reachable by id through another hangout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  hangoutRows,
  json,
  MISSING,
  type matrix,
  rowName,
  startMatrix,
  type World,
} from "./authorization-matrix.ts";
import { createHangout, expectProblem } from "./fixtures.ts";
import type { Stack, TestUser } from "./harness.ts";

let stack: Stack;
let owner: TestUser;
let member: TestUser;
let peer: TestUser;
let outsider: TestUser;
let newWorld: ReturnType<typeof matrix>["newWorld"];
let call: ReturnType<typeof matrix>["call"];
let uploadMemory: ReturnType<typeof matrix>["uploadMemory"];

beforeAll(async () => {
  ({ stack, owner, member, peer, outsider, newWorld, call, uploadMemory } = await startMatrix());
}, 60_000);
afterAll(async () => {
  await stack?.stop();
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
