import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  count,
  expectProblem,
  type Hangout,
  inFlight,
  keyRows,
  newKey,
  withKey,
} from "./fixtures.ts";
import { type Stack, startStackWithPeople, type TestUser } from "./harness.ts";

/** Short, so expiry can be reached with `stack.advance` (the config's minimum is 60). */
const TTL_SECONDS = 60;

let stack: Stack;
let owner: TestUser;
let friend: TestUser;
let stranger: TestUser;

const hangoutsOf = (user: TestUser) =>
  count(stack, "SELECT COUNT(*) AS n FROM hangouts WHERE owner_id = ?", [user.id]);
const membershipsOf = (user: TestUser) =>
  count(stack, "SELECT COUNT(*) AS n FROM members WHERE user_id = ?", [user.id]);

const createHangout = (user: TestUser, body: unknown, key?: string) =>
  stack.as(user).post("/hangouts", body, key ? withKey(key) : undefined);

beforeAll(async () => {
  ({ stack, owner, friend, stranger } = await startStackWithPeople({
    IDEMPOTENCY_TTL_SECONDS: String(TTL_SECONDS),
  }));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe("POST /hangouts with Idempotency-Key", () => {
  test("without a key, two identical requests create two hangouts", async () => {
    const before = await hangoutsOf(owner);
    const body = { title: "No key", startsAt: "2030-06-02T10:00:00Z" };
    const a = (await (await createHangout(owner, body)).json()) as Hangout;
    const b = (await (await createHangout(owner, body)).json()) as Hangout;
    expect(a.id).not.toBe(b.id);
    expect(await hangoutsOf(owner)).toBe(before + 2);
  });

  test("same key and body replays the first response; one hangout, one membership", async () => {
    const key = newKey();
    const body = {
      title: "Replay me",
      description: "once",
      location: { name: "Park", lat: 1.5 },
      startsAt: "2030-06-03T10:00:00Z",
      endsAt: "2030-06-03T12:00:00Z",
    };
    const hangoutsBefore = await hangoutsOf(owner);
    const membershipsBefore = await membershipsOf(owner);

    const first = await createHangout(owner, body, key);
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const created = (await first.json()) as Hangout;

    stack.advance(2);
    for (let i = 0; i < 2; i++) {
      const again = await createHangout(owner, body, key);
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.headers.get("content-type")).toContain("application/json");
      expect(await again.json()).toEqual(created);
    }
    expect(await hangoutsOf(owner)).toBe(hangoutsBefore + 1);
    expect(await membershipsOf(owner)).toBe(membershipsBefore + 1);
    expect(await keyRows(stack, owner, key)).toBe(1);

    // the replayed id is the real hangout
    const fetched = await stack.as(owner).get(`/hangouts/${created.id}`);
    expect(fetched.status).toBe(200);
    expect(((await fetched.json()) as Hangout).title).toBe("Replay me");
  });

  test("the replay is the stored first response, even after the hangout changed", async () => {
    const key = newKey();
    const body = { title: "Original", startsAt: "2030-06-04T10:00:00Z" };
    const created = (await (await createHangout(owner, body, key)).json()) as Hangout;
    expect(
      (await stack.as(owner).patch(`/hangouts/${created.id}`, { title: "Renamed" })).status,
    ).toBe(200);
    const again = await createHangout(owner, body, key);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(created);
  });

  test("the same body with its keys in another order is the same request (a replay)", async () => {
    const key = newKey();
    const body = { title: "Ordered", description: "d", startsAt: "2030-06-06T10:00:00Z" };
    const created = (await (await createHangout(owner, body, key)).json()) as Hangout;
    const reordered = { startsAt: body.startsAt, description: "d", title: "Ordered" };
    const again = await createHangout(owner, reordered, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(created);
  });

  test("same key with another body is 422 at the header; nothing created", async () => {
    const key = newKey();
    const body = { title: "First body", startsAt: "2030-06-05T10:00:00Z" };
    const created = (await (await createHangout(owner, body, key)).json()) as Hangout;
    const before = await hangoutsOf(owner);
    for (const other of [
      { ...body, title: "Second body" },
      { ...body, startsAt: "2030-06-05T11:00:00Z" },
      { ...body, description: "extra" },
    ]) {
      const res = await createHangout(owner, other, key);
      const problem = await expectProblem(res, 422);
      expect(problem.errors?.map((e) => e.path)).toEqual(["/headers/idempotency-key"]);
    }
    expect(await hangoutsOf(owner)).toBe(before);
    // the key still replays its own request
    const again = await createHangout(owner, body, key);
    expect(again.status).toBe(201);
    expect(((await again.json()) as Hangout).id).toBe(created.id);
  });

  test("concurrent identical requests with one key create exactly one hangout", async () => {
    const key = newKey();
    const body = { title: "Concurrent", startsAt: "2030-06-06T10:00:00Z" };
    const before = await hangoutsOf(owner);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => createHangout(owner, body, key)),
    );
    const statuses = responses.map((r) => r.status);
    for (const status of statuses) expect([201, 409]).toContain(status);
    const created = await Promise.all(
      responses.filter((r) => r.status === 201).map((r) => r.json() as Promise<Hangout>),
    );
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((h) => h.id)).size).toBe(1);
    for (const h of created) expect(h).toEqual(created[0] as Hangout);
    const fresh = responses.filter(
      (r) => r.status === 201 && r.headers.get("idempotent-replayed") === null,
    );
    expect(fresh).toHaveLength(1);
    expect(await hangoutsOf(owner)).toBe(before + 1);
    expect(
      await count(stack, "SELECT COUNT(*) AS n FROM hangouts WHERE title = 'Concurrent'"),
    ).toBe(1);
  });

  test("a repeat while the first is still running is 409 and creates nothing", async () => {
    const key = newKey();
    const body = { title: "Still running", startsAt: "2030-06-07T10:00:00Z" };
    await inFlight(stack, owner, key, "POST /hangouts", body);
    const before = await hangoutsOf(owner);
    await expectProblem(await createHangout(owner, body, key), 409);
    // a different body under that key is still 422, not 409
    await expectProblem(await createHangout(owner, { ...body, title: "Other" }, key), 422);
    expect(await hangoutsOf(owner)).toBe(before);
  });

  test("keys are per user: another user's same key and body creates their own", async () => {
    const key = newKey();
    const body = { title: "Shared key", startsAt: "2030-06-08T10:00:00Z" };
    const ownerBefore = await hangoutsOf(owner);
    const friendBefore = await hangoutsOf(friend);
    const mine = (await (await createHangout(owner, body, key)).json()) as Hangout;
    const res = await createHangout(friend, body, key);
    expect(res.status).toBe(201);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    const theirs = (await res.json()) as Hangout;
    expect(theirs.id).not.toBe(mine.id);
    expect(theirs.ownerId).toBe(friend.id);
    expect(mine.ownerId).toBe(owner.id);
    // and another body from the other user is no conflict either
    expect((await createHangout(stranger, { ...body, title: "Mine" }, key)).status).toBe(201);
    expect(await hangoutsOf(owner)).toBe(ownerBefore + 1);
    expect(await hangoutsOf(friend)).toBe(friendBefore + 1);
    // each user's replay is their own
    const replay = await createHangout(friend, body, key);
    expect(((await replay.json()) as Hangout).id).toBe(theirs.id);
  });

  test("a request that fails in the handler releases the key; a fixed retry succeeds", async () => {
    const key = newKey();
    const bad = {
      title: "Backwards",
      startsAt: "2030-06-09T12:00:00Z",
      endsAt: "2030-06-09T11:00:00Z",
    };
    const before = await hangoutsOf(owner);
    for (let i = 0; i < 2; i++) {
      const res = await createHangout(owner, bad, key);
      const problem = await expectProblem(res, 422);
      expect(problem.errors?.map((e) => e.path)).toEqual(["/endsAt"]);
      expect(await keyRows(stack, owner, key)).toBe(0);
    }
    const fixed = { ...bad, endsAt: "2030-06-09T13:00:00Z" };
    const res = await createHangout(owner, fixed, key);
    expect(res.status).toBe(201);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    const created = (await res.json()) as Hangout;
    expect(await hangoutsOf(owner)).toBe(before + 1);
    // from now on the key is bound to the successful request
    await expectProblem(await createHangout(owner, bad, key), 422);
    expect(((await (await createHangout(owner, fixed, key)).json()) as Hangout).id).toBe(
      created.id,
    );
  });

  test("a body the schema refuses never claims the key", async () => {
    const key = newKey();
    const res = await createHangout(owner, { title: "", startsAt: "2030-06-10T10:00:00Z" }, key);
    expect(res.status).toBe(422);
    expect(await keyRows(stack, owner, key)).toBe(0);
    const ok = await createHangout(owner, { title: "Fine", startsAt: "2030-06-10T10:00:00Z" }, key);
    expect(ok.status).toBe(201);
  });

  test("an invalid key is 422 at the header and creates nothing", async () => {
    const before = await hangoutsOf(owner);
    for (const key of ["has space", "x".repeat(256), "tab\there"]) {
      const res = await createHangout(
        owner,
        { title: "Bad key", startsAt: "2030-06-11T10:00:00Z" },
        key,
      );
      const problem = await expectProblem(res, 422);
      expect(problem.errors?.map((e) => e.path)).toEqual(["/headers/idempotency-key"]);
    }
    expect(await hangoutsOf(owner)).toBe(before);
    const longest = await createHangout(
      owner,
      { title: "Longest key", startsAt: "2030-06-11T10:00:00Z" },
      `${"k".repeat(255)}`,
    );
    expect(longest.status).toBe(201);
  });
});

describe("expiry after IDEMPOTENCY_TTL_SECONDS", () => {
  test("POST /hangouts: replayed until the TTL passes, then a new hangout", async () => {
    const key = newKey();
    const body = { title: "Expiring", startsAt: "2030-08-01T10:00:00Z" };
    const before = await hangoutsOf(owner);
    const first = (await (await createHangout(owner, body, key)).json()) as Hangout;

    stack.advance(TTL_SECONDS - 5);
    const replay = await createHangout(owner, body, key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(((await replay.json()) as Hangout).id).toBe(first.id);
    await expectProblem(await createHangout(owner, { ...body, title: "Other" }, key), 422);
    expect(await hangoutsOf(owner)).toBe(before + 1);

    stack.advance(10);
    const fresh = await createHangout(owner, body, key);
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get("idempotent-replayed")).toBeNull();
    const second = (await fresh.json()) as Hangout;
    expect(second.id).not.toBe(first.id);
    expect(await hangoutsOf(owner)).toBe(before + 2);
    expect(await keyRows(stack, owner, key)).toBe(1);
    // the new request now owns the key
    const replayOfSecond = await createHangout(owner, body, key);
    expect(((await replayOfSecond.json()) as Hangout).id).toBe(second.id);
  });
});
