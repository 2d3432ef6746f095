import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  expectProblem,
  hangoutAt,
  type PageBody,
  page,
  uploadMemories,
  withQuery,
} from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";

/*
 * Cursors and limits of the paginated lists (see pagination-walks-*.test.ts): what is refused,
 * and why a cursor from one list is harmless on another.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
});

describe("cursor and limit validation", () => {
  let owner: TestUser;
  let hangoutId: string;
  const lists = () => [
    "/hangouts",
    `/hangouts/${hangoutId}/members`,
    `/hangouts/${hangoutId}/memories`,
  ];

  beforeAll(async () => {
    owner = await stack.user("Validator");
    hangoutId = await hangoutAt(stack, owner, "2028-09-09T12:00:00Z");
  });

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const badCursors: [string, string][] = [
    ["not base64 JSON", "%%%not-a-cursor%%%"],
    ["base64 of plain text", Buffer.from("hello").toString("base64url")],
    ["a JSON object", b64({ at: "2028-01-01T00:00:00.000Z", id: "x" })],
    ["one part", b64(["2028-01-01T00:00:00.000Z"])],
    ["three parts", b64(["2028-01-01T00:00:00.000Z", "a", "b"])],
    ["not a date", b64(["yesterday", "0190a7c4-0000-7000-8000-000000000000"])],
    ["an empty id", b64(["2028-01-01T00:00:00.000Z", ""])],
    ["numbers", b64([1700000000000, 5])],
    ["too long", "A".repeat(501)],
    ["empty", ""],
  ];

  for (const [name, cursor] of badCursors) {
    test(`a cursor that is ${name} → 400/422 naming cursor, on every list`, async () => {
      for (const path of lists()) {
        const response = await stack.as(owner).get(withQuery(path, { cursor }));
        const problem = await expectProblem(response, response.status === 400 ? 400 : 422);
        expect(JSON.stringify(problem)).toContain("cursor");
        if (response.status === 422) {
          expect(problem.errors?.map((e) => e.path)).toContain("/cursor");
        }
      }
    });
  }

  for (const limit of ["0", "-1", "101", "1000", "abc", "1.5", ""]) {
    test(`limit=${JSON.stringify(limit)} → 422 naming limit, on every list`, async () => {
      for (const path of lists()) {
        const response = await stack.as(owner).get(`${path}?limit=${encodeURIComponent(limit)}`);
        const problem = await expectProblem(response, 422);
        expect(problem.errors?.map((e) => e.path)).toContain("/limit");
      }
    });
  }

  test("limits 1 and 100 are accepted", async () => {
    for (const path of lists()) {
      for (const limit of [1, 100]) {
        expect((await stack.as(owner).get(withQuery(path, { limit }))).status).toBe(200);
      }
    }
  });
});

describe("a cursor from one list used on another is harmless", () => {
  let alice: TestUser;
  let bob: TestUser;
  let aliceHangout: string;
  let bobHangout: string;
  let aliceMemories: string[];
  let bobMemories: string[];
  const aliceHangouts: string[] = [];
  const bobHangouts: string[] = [];

  beforeAll(async () => {
    [alice, bob] = await Promise.all([stack.user("Alice"), stack.user("Bob")]);
    for (let i = 0; i < 4; i++) {
      aliceHangouts.push(await hangoutAt(stack, alice, `2028-10-0${i + 1}T10:00:00Z`));
      bobHangouts.push(await hangoutAt(stack, bob, `2028-10-0${i + 1}T10:00:00Z`));
    }
    aliceHangout = aliceHangouts[0]!;
    bobHangout = bobHangouts[0]!;
    aliceMemories = await uploadMemories(stack, alice, aliceHangout, { count: 4 });
    bobMemories = await uploadMemories(stack, bob, bobHangout, { count: 4 });
  });

  const cursorOf = async (user: TestUser, path: string) => {
    const body = await page<unknown>(stack, user, path, 1);
    expect(body.nextCursor).toEqual(expect.any(String));
    return body.nextCursor as string;
  };

  /** Either refused as a bad cursor, or a page holding only what `allowed` permits. */
  async function expectHarmless(user: TestUser, path: string, cursor: string, allowed: string[]) {
    const response = await stack.as(user).get(withQuery(path, { cursor, limit: 100 }));
    if (response.status !== 200) {
      const problem = await expectProblem(response, response.status === 400 ? 400 : 422);
      expect(JSON.stringify(problem)).toContain("cursor");
      return;
    }
    const body = (await response.json()) as PageBody<{ id?: string; userId?: string }>;
    const ids = body.items.map((item) => item.id ?? item.userId);
    expect(ids.filter((id) => !allowed.includes(id as string))).toEqual([]);
  }

  test("Alice's memories cursor on Bob's memories, by Bob: only Bob's memories", async () => {
    const cursor = await cursorOf(alice, `/hangouts/${aliceHangout}/memories`);
    await expectHarmless(bob, `/hangouts/${bobHangout}/memories`, cursor, bobMemories);
    // And Alice cannot use any cursor to read Bob's hangout.
    const response = await stack
      .as(alice)
      .get(withQuery(`/hangouts/${bobHangout}/memories`, { cursor }));
    expect(response.status).toBe(404);
    expect(JSON.stringify(await response.json())).not.toContain(bobMemories[0]!);
  });

  test("Alice's hangouts cursor on Bob's hangout list: only Bob's hangouts", async () => {
    const cursor = await cursorOf(alice, "/hangouts");
    await expectHarmless(bob, "/hangouts", cursor, bobHangouts);
  });

  test("hangouts, members and memories cursors swapped between lists", async () => {
    const hangoutsCursor = await cursorOf(alice, "/hangouts");
    const memoriesCursor = await cursorOf(alice, `/hangouts/${aliceHangout}/memories`);
    const bobHangoutsCursor = await cursorOf(bob, "/hangouts");
    for (const cursor of [hangoutsCursor, memoriesCursor, bobHangoutsCursor]) {
      await expectHarmless(alice, `/hangouts/${aliceHangout}/members`, cursor, [alice.id]);
      await expectHarmless(alice, `/hangouts/${aliceHangout}/memories`, cursor, aliceMemories);
      await expectHarmless(alice, "/hangouts", cursor, aliceHangouts);
    }
  });
});
