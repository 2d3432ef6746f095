import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { hangoutAt, invite, query, uploadMemories, walk } from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";
import { compareKeys, expectExactWalk, expectStrictOrder } from "./pagination-walks.fixture.ts";

/*
 * Keyset pagination of the lists under one hangout (@hangout/platform/pagination):
 * - GET /hangouts/{id}/members: joining order, `(joined_at, user_id)` ascending.
 * - GET /hangouts/{id}/memories: newest first, `(created_at, id)` descending, confirmed only.
 * - GET /hangouts/{id}/activities is not paginated: one `{items}` with every activity.
 * GET /hangouts: pagination-walks-hangouts.test.ts.
 */

interface Member {
  userId: string;
  name: string;
  role: string;
}
interface Memory {
  id: string;
  hangoutId: string;
  createdAt: string;
  url: string;
}
interface Activity {
  id: string;
  votes: number;
  createdAt: string;
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
});

const memoryKey = (m: Memory): [number, string] => [Date.parse(m.createdAt), m.id];

describe("GET /hangouts/{id}/members", () => {
  let owner: TestUser;
  let hangoutId: string;
  let pool: TestUser[];
  const preExisting: string[] = [];

  beforeAll(async () => {
    owner = await stack.user("Member owner");
    pool = await Promise.all(Array.from({ length: 18 }, (_, i) => stack.user(`Guest ${i}`)));
    hangoutId = await hangoutAt(stack, owner, "2028-06-06T12:00:00Z");
    // One invite of 7 shares a single joined_at (a natural tie), then smaller ones.
    await invite(stack, owner, hangoutId, pool.slice(0, 7));
    await invite(stack, owner, hangoutId, pool.slice(7, 10));
    await invite(stack, owner, hangoutId, pool.slice(10, 12));
    preExisting.push(owner.id, ...pool.slice(0, 12).map((u) => u.id));
  });

  test("every page walked while members are invited in between: each exactly once", async () => {
    const joining = pool.slice(12);
    const joined: string[] = [];
    const { items } = await walk<Member>(
      stack,
      owner,
      `/hangouts/${hangoutId}/members`,
      3,
      async () => {
        const next = joining.shift();
        if (!next) return;
        await invite(stack, owner, hangoutId, [next]);
        joined.push(next.id);
      },
    );
    const ids = items.map((m) => m.userId);
    expectExactWalk(ids, preExisting, joined);
    // Joining order: a later joiner is after every cursor, so each one is listed.
    expect(ids.filter((id) => joined.includes(id))).toEqual(joined);
    expect(joined.length).toBeGreaterThan(0);
    const joinedAt = new Map(
      (
        await query<{ user_id: string; joined_at: Date }>(
          stack,
          "SELECT user_id, joined_at FROM members WHERE hangout_id = ?",
          [hangoutId],
        )
      ).map((row) => [row.user_id, row.joined_at.getTime()]),
    );
    expectStrictOrder(
      ids.map((id) => [joinedAt.get(id)!, id]),
      "asc",
    );
    expect(items[0]).toMatchObject({ userId: owner.id, role: "owner", name: "Member owner" });
  });

  test("every member joined at the same instant: the user id tiebreak keeps the walk exact", async () => {
    const tiedHangout = await hangoutAt(stack, owner, "2028-06-07T12:00:00Z");
    await invite(stack, owner, tiedHangout, pool.slice(0, 9));
    await query(
      stack,
      "UPDATE members SET joined_at = '2028-01-01 00:00:00.000' WHERE hangout_id = ?",
      [tiedHangout],
    );
    const expected = [owner.id, ...pool.slice(0, 9).map((u) => u.id)].sort();
    for (const limit of [1, 2, 3]) {
      const { items } = await walk<Member>(stack, owner, `/hangouts/${tiedHangout}/members`, limit);
      expect(items.map((m) => m.userId)).toEqual(expected);
    }
  });
});

describe("GET /hangouts/{id}/memories", () => {
  let owner: TestUser;
  let friend: TestUser;
  let hangoutId: string;
  const preExisting: string[] = [];

  beforeAll(async () => {
    [owner, friend] = await Promise.all([stack.user("Photographer"), stack.user("Friend")]);
    hangoutId = await hangoutAt(stack, owner, "2028-07-07T12:00:00Z");
    await invite(stack, owner, hangoutId, [friend]);
    // The real upload flow; each batch of up to 10 shares one created_at (a natural tie).
    preExisting.push(...(await uploadMemories(stack, owner, hangoutId, { count: 10 })));
    preExisting.push(...(await uploadMemories(stack, friend, hangoutId, { count: 10 })));
    preExisting.push(...(await uploadMemories(stack, owner, hangoutId, { count: 3 })));
    // Downloadable: each item below must carry its URL.
    await stack.markPhotoReady(preExisting);
  });

  test("every page walked while photos are added in between: each exactly once, confirmed only", async () => {
    const added: string[] = [];
    const pending: string[] = [];
    const { items, pages } = await walk<Memory>(
      stack,
      owner,
      `/hangouts/${hangoutId}/memories`,
      4,
      async (n) => {
        const batch = await uploadMemories(stack, n % 2 ? friend : owner, hangoutId, { count: 2 });
        await stack.markPhotoReady(batch);
        added.push(...batch);
        // Uploaded but never confirmed: not a memory yet, never listed.
        pending.push(
          ...(await uploadMemories(stack, owner, hangoutId, { count: 1, confirm: false })),
        );
      },
    );
    expect(pages).toBe(6);
    const ids = items.map((m) => m.id);
    expectExactWalk(ids, preExisting, added);
    expect(ids.filter((id) => pending.includes(id))).toEqual([]);
    expect(items.every((m) => m.hangoutId === hangoutId && m.url.startsWith("http"))).toBe(true);
    // Newest first, ties by id descending.
    expectStrictOrder(items.map(memoryKey), "desc");

    // The photos added during the walk are there afterwards, newest first.
    const after = await walk<Memory>(stack, owner, `/hangouts/${hangoutId}/memories`, 100);
    expect(after.items.map((m) => m.id).sort()).toEqual([...preExisting, ...added].sort());
    expectStrictOrder(after.items.map(memoryKey), "desc");
  });

  test("all photos created at the same instant: the id tiebreak keeps the walk exact", async () => {
    const tiedHangout = await hangoutAt(stack, owner, "2028-07-08T12:00:00Z");
    // Two real batches, then the same created_at for all (a direct update: the upload flow
    // cannot produce one timestamp across batches).
    const ids = [
      ...(await uploadMemories(stack, owner, tiedHangout, { count: 10 })),
      ...(await uploadMemories(stack, owner, tiedHangout, { count: 4 })),
    ];
    await query(
      stack,
      "UPDATE memories SET created_at = '2028-02-02 02:02:02.222' WHERE hangout_id = ?",
      [tiedHangout],
    );
    const expected = [...ids].sort().reverse();
    for (const limit of [1, 3, 5]) {
      const { items } = await walk<Memory>(
        stack,
        owner,
        `/hangouts/${tiedHangout}/memories`,
        limit,
      );
      expect(items.map((m) => m.id)).toEqual(expected);
      expect(new Set(items.map((m) => m.createdAt))).toEqual(new Set(["2028-02-02T02:02:02.222Z"]));
    }
  });
});

describe("GET /hangouts/{id}/activities is not paginated", () => {
  test("one response lists every activity, most votes first, then oldest, then id", async () => {
    const owner = await stack.user("Planner");
    const hangoutId = await hangoutAt(stack, owner, "2028-08-08T12:00:00Z");
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const created = await stack
        .as(owner)
        .post(`/hangouts/${hangoutId}/activities`, { title: `Idea ${i}` });
      expect(created.status).toBe(201);
      ids.push(((await created.json()) as { id: string }).id);
    }
    for (const id of [ids[20]!, ids[3]!]) {
      const voted = await stack.as(owner).put(`/hangouts/${hangoutId}/activities/${id}/vote`);
      expect(voted.status).toBe(204);
    }
    const response = await stack.as(owner).get(`/hangouts/${hangoutId}/activities?limit=2`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Activity[]; nextCursor?: unknown };
    expect(body.nextCursor).toBeUndefined();
    expect(body.items).toHaveLength(25);
    const rest = ids.filter((id) => id !== ids[20] && id !== ids[3]);
    expect(body.items.map((a) => a.id)).toEqual([ids[3]!, ids[20]!, ...rest]);
    for (let i = 1; i < body.items.length; i++) {
      const [a, b] = [body.items[i - 1]!, body.items[i]!];
      const key = (x: Activity): [number, string] => [Date.parse(x.createdAt), x.id];
      expect(a.votes > b.votes || (a.votes === b.votes && compareKeys(key(a), key(b)) < 0)).toBe(
        true,
      );
    }
  });
});
