import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Hangout, hangoutAt, invite, page, query, walk } from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";
import { expectExactWalk, expectStrictOrder } from "./pagination-walks.fixture.ts";

/*
 * Keyset pagination of GET /hangouts (@hangout/platform/pagination): soonest first,
 * `(starts_at, id)` ascending. The lists under one hangout: pagination-walks-hangout-lists.test.ts.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
});

const hangoutKey = (h: Hangout): [number, string] => [Date.parse(h.startsAt), h.id];

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
