import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Hangout, hangoutAt, invite, page, query, uploadMemories, walk } from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";

/*
 * Keyset pagination of every list route (@hangout/platform/pagination):
 * - GET /hangouts: soonest first, `(starts_at, id)` ascending.
 * - GET /hangouts/{id}/members: joining order, `(joined_at, user_id)` ascending.
 * - GET /hangouts/{id}/memories: newest first, `(created_at, id)` descending, confirmed only.
 * - GET /hangouts/{id}/activities is not paginated: one `{items}` with every activity.
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

/** Every pre-existing id exactly once; nothing twice; nothing that never existed. */
function expectExactWalk(walked: string[], preExisting: string[], insertedDuringWalk: string[]) {
  expect(new Set(walked).size).toBe(walked.length);
  const seen = new Set(walked);
  expect(preExisting.filter((id) => !seen.has(id))).toEqual([]);
  const allowed = new Set([...preExisting, ...insertedDuringWalk]);
  expect(walked.filter((id) => !allowed.has(id))).toEqual([]);
}

const compareKeys = (a: [number, string], b: [number, string]) =>
  a[0] !== b[0] ? a[0] - b[0] : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/** Strictly increasing (or decreasing) `[time, id]` keys: the order, and no duplicates. */
function expectStrictOrder(keys: [number, string][], direction: "asc" | "desc") {
  for (let i = 1; i < keys.length; i++) {
    const sign = Math.sign(compareKeys(keys[i - 1]!, keys[i]!));
    expect(sign).toBe(direction === "asc" ? -1 : 1);
  }
}

const hangoutKey = (h: Hangout): [number, string] => [Date.parse(h.startsAt), h.id];
const memoryKey = (m: Memory): [number, string] => [Date.parse(m.createdAt), m.id];

describe("GET /hangouts", () => {
  let walker: TestUser;
  let other: TestUser;
  const tie = "2028-03-03T18:00:00.000Z";
  const preExisting: string[] = [];

  beforeAll(async () => {
    [walker, other] = await Promise.all([stack.user("Walker"), stack.user("Other")]);
    // 12 with distinct times, 9 at the very same start (the id breaks the tie), sequentially so
    // the ids (UUIDv7) are not in creation order by accident of concurrency only.
    for (let i = 0; i < 12; i++) {
      preExisting.push(
        await hangoutAt(stack, walker, `2028-0${1 + (i % 9)}-1${i % 10}T0${i % 10}:00:00.000Z`),
      );
    }
    for (let i = 0; i < 9; i++) preExisting.push(await hangoutAt(stack, walker, tie));
    // A hangout the walker was invited to is listed too; another user's own is not.
    const invitedTo = await hangoutAt(stack, other, "2028-05-05T05:05:05.000Z");
    await invite(stack, other, invitedTo, [walker]);
    preExisting.push(invitedTo);
    await hangoutAt(stack, other, "2028-05-05T05:05:05.000Z", "Not the walker's");
  });

  test("every page walked while hangouts are created in between: each exactly once", async () => {
    const before: string[] = [];
    const after: string[] = [];
    const tied: string[] = [];
    const { items, pages } = await walk<Hangout>(stack, walker, "/hangouts", 4, async (n) => {
      // Sorts before any cursor: never listed. Sorts after every cursor: always listed once.
      before.push(await hangoutAt(stack, walker, `2020-01-0${1 + (n % 9)}T00:00:00.000Z`));
      after.push(await hangoutAt(stack, walker, `2035-01-0${1 + (n % 9)}T00:00:00.000Z`));
      // Same start as the tie group: listed only if the walk has not passed it yet.
      tied.push(await hangoutAt(stack, walker, tie));
    });
    expect(pages).toBeGreaterThanOrEqual(6);
    const ids = items.map((h) => h.id);
    expectExactWalk(ids, preExisting, [...before, ...after, ...tied]);
    expect(ids.filter((id) => before.includes(id))).toEqual([]);
    expect(ids.filter((id) => after.includes(id)).sort()).toEqual([...after].sort());
    // Soonest first, ties by id: the order the implementation documents.
    expectStrictOrder(items.map(hangoutKey), "asc");
  });

  test("many hangouts with the same start: the id tiebreak keeps a walk of 1-item pages exact", async () => {
    const tiedUser = await stack.user("Tied");
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push(await hangoutAt(stack, tiedUser, "2029-09-09T09:09:09.000Z"));
    // Also force identical timestamps at the database level, created times included.
    await query(
      stack,
      "UPDATE hangouts SET starts_at = '2029-09-09 09:09:09.000', created_at = '2029-01-01 00:00:00.000' WHERE owner_id = ?",
      [tiedUser.id],
    );
    const { items, pages } = await walk<Hangout>(stack, tiedUser, "/hangouts", 1);
    expect(pages).toBe(7);
    expect(items.map((h) => h.id)).toEqual([...ids].sort());
    const two = await walk<Hangout>(stack, tiedUser, "/hangouts", 2);
    expect(two.items.map((h) => h.id)).toEqual([...ids].sort());
  });

  test("the status filter pages within the filter", async () => {
    const statusUser = await stack.user("Status");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(await hangoutAt(stack, statusUser, `2031-01-0${i + 1}T10:00:00Z`));
    const confirmedIds = [ids[0]!, ids[2]!, ids[4]!];
    for (const id of confirmedIds) {
      const patched = await stack.as(statusUser).patch(`/hangouts/${id}`, { status: "confirmed" });
      expect(patched.status).toBe(200);
    }
    const { items } = await walk<Hangout & { status: string }>(
      stack,
      statusUser,
      "/hangouts?status=confirmed",
      1,
    );
    expect(items.map((h) => h.id)).toEqual(confirmedIds);
    expect(items.every((h) => h.status === "confirmed")).toBe(true);
  });

  test("default limit is 20 and the last page has a null cursor", async () => {
    const first = await page<Hangout>(stack, walker, "/hangouts");
    expect(first.items).toHaveLength(20);
    expect(first.nextCursor).toEqual(expect.any(String));
    const all = await page<Hangout>(stack, walker, "/hangouts", 100);
    expect(all.nextCursor).toBeNull();
    expect(all.items.slice(0, 20)).toEqual(first.items);
  });
});

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
