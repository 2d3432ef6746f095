import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testImage, testImageFile } from "@hangout/platform/testing/images";
import mysql from "mysql2/promise";
import { type Stack, startStack, type TestUser } from "../../../e2e/stack.ts";
import { fingerprint } from "../src/services/idempotency.ts";

/** Short, so expiry can be reached with `stack.advance` (the config's minimum is 60). */
const TTL_SECONDS = 60;

interface Hangout {
  id: string;
  title: string;
  ownerId: string;
  startsAt: string;
  endsAt: string | null;
}

interface Upload {
  memoryId: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  expiresAt: string;
}

interface ProblemBody {
  status: number;
  errors?: { path: string; message: string }[];
}

let stack: Stack;
let db: mysql.Connection;
let owner: TestUser;
let friend: TestUser;
let stranger: TestUser;
let hangoutId: string;

const newKey = () => `key-${crypto.randomUUID()}`;
const withKey = (key: string) => ({ "idempotency-key": key });

async function count(sql: string, params: unknown[] = []) {
  const [rows] = await db.query(sql, params);
  return Number((rows as { n: number }[])[0]?.n);
}

const hangoutsOf = (user: TestUser) =>
  count("SELECT COUNT(*) AS n FROM hangouts WHERE owner_id = ?", [user.id]);
const membershipsOf = (user: TestUser) =>
  count("SELECT COUNT(*) AS n FROM members WHERE user_id = ?", [user.id]);
const memoriesIn = (id: string) =>
  count("SELECT COUNT(*) AS n FROM memories WHERE hangout_id = ?", [id]);
const keyRows = (user: TestUser, key: string) =>
  count("SELECT COUNT(*) AS n FROM idempotency_keys WHERE user_id = ? AND idempotency_key = ?", [
    user.id,
    key,
  ]);

async function addMember(id: string, user: TestUser) {
  await db.query(
    "INSERT INTO members (hangout_id, user_id, role, rsvp, joined_at) VALUES (?, ?, 'member', 'pending', NOW(3))",
    [id, user.id],
  );
  await db.query("UPDATE hangouts SET member_count = member_count + 1 WHERE id = ?", [id]);
}

/** Stores a claimed, unfinished key as a request still running would leave it. */
async function inFlight(user: TestUser, key: string, scope: string, body: unknown) {
  const hash = fingerprint(scope, body);
  await db.query(
    `INSERT INTO idempotency_keys
       (user_id, idempotency_key, scope, request_hash, response_status, response_body, created_at, expires_at)
     VALUES (?, ?, ?, ?, NULL, NULL, '2099-01-01 00:00:00.000', '2099-01-02 00:00:00.000')`,
    [user.id, key, scope, hash],
  );
}

async function expectKeyProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const problem = (await res.json()) as ProblemBody;
  expect(problem.status).toBe(status);
  return problem;
}

const createHangout = (user: TestUser, body: unknown, key?: string) =>
  stack.as(user).post("/hangouts", body, key ? withKey(key) : undefined);

const jpeg = (overrides: Record<string, unknown> = {}) => testImageFile("jpg", overrides);
const png = (overrides: Record<string, unknown> = {}) => testImageFile("png", overrides);

const requestUploads = (user: TestUser, id: string, body: unknown, key?: string) =>
  stack.as(user).post(`/hangouts/${id}/memories/uploads`, body, key ? withKey(key) : undefined);

beforeAll(async () => {
  stack = await startStack({ IDEMPOTENCY_TTL_SECONDS: String(TTL_SECONDS) });
  db = await mysql.createConnection({ uri: stack.hangoutDatabase.url });
  owner = await stack.user("Owner");
  friend = await stack.user("Friend");
  stranger = await stack.user("Stranger");
  const res = await createHangout(owner, { title: "Album", startsAt: "2030-06-01T10:00:00Z" });
  expect(res.status).toBe(201);
  hangoutId = ((await res.json()) as Hangout).id;
  await addMember(hangoutId, friend);
}, 60_000);

afterAll(async () => {
  await db?.end();
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
    expect(await keyRows(owner, key)).toBe(1);

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
      const problem = await expectKeyProblem(res, 422);
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
    expect(await count("SELECT COUNT(*) AS n FROM hangouts WHERE title = 'Concurrent'")).toBe(1);
  });

  test("a repeat while the first is still running is 409 and creates nothing", async () => {
    const key = newKey();
    const body = { title: "Still running", startsAt: "2030-06-07T10:00:00Z" };
    await inFlight(owner, key, "POST /hangouts", body);
    const before = await hangoutsOf(owner);
    await expectKeyProblem(await createHangout(owner, body, key), 409);
    // a different body under that key is still 422, not 409
    await expectKeyProblem(await createHangout(owner, { ...body, title: "Other" }, key), 422);
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
      const problem = await expectKeyProblem(res, 422);
      expect(problem.errors?.map((e) => e.path)).toEqual(["/endsAt"]);
      expect(await keyRows(owner, key)).toBe(0);
    }
    const fixed = { ...bad, endsAt: "2030-06-09T13:00:00Z" };
    const res = await createHangout(owner, fixed, key);
    expect(res.status).toBe(201);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    const created = (await res.json()) as Hangout;
    expect(await hangoutsOf(owner)).toBe(before + 1);
    // from now on the key is bound to the successful request
    await expectKeyProblem(await createHangout(owner, bad, key), 422);
    expect(((await (await createHangout(owner, fixed, key)).json()) as Hangout).id).toBe(
      created.id,
    );
  });

  test("a body the schema refuses never claims the key", async () => {
    const key = newKey();
    const res = await createHangout(owner, { title: "", startsAt: "2030-06-10T10:00:00Z" }, key);
    expect(res.status).toBe(422);
    expect(await keyRows(owner, key)).toBe(0);
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
      const problem = await expectKeyProblem(res, 422);
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

describe("POST /hangouts/{id}/memories/uploads with Idempotency-Key", () => {
  test("same key and body replays the same uploads; memory rows written once", async () => {
    const key = newKey();
    const body = { files: [await jpeg(), await png()] };
    const before = await memoriesIn(hangoutId);

    const first = await requestUploads(owner, hangoutId, body, key);
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const issued = (await first.json()) as { uploads: Upload[] };
    expect(issued.uploads).toHaveLength(2);
    expect(await memoriesIn(hangoutId)).toBe(before + 2);

    stack.advance(1);
    const again = await requestUploads(owner, hangoutId, body, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const replayed = (await again.json()) as { uploads: Upload[] };
    expect(replayed).toEqual(issued);
    expect(await memoriesIn(hangoutId)).toBe(before + 2);

    // the replayed URLs are the real ones: upload through them and confirm
    const bytes = [await testImage("jpg"), await testImage("png")];
    for (const [i, upload] of replayed.uploads.entries()) {
      const put = await fetch(upload.url, {
        method: upload.method,
        headers: upload.headers,
        body: bytes[i],
      });
      expect(put.status).toBe(200);
    }
    const confirm = await stack.as(owner).post(`/hangouts/${hangoutId}/memories/confirm`, {
      memoryIds: replayed.uploads.map((u) => u.memoryId),
    });
    expect(confirm.status).toBe(200);
    const result = (await confirm.json()) as { confirmed: { id: string }[]; failed: unknown[] };
    expect(result.failed).toEqual([]);
    expect(result.confirmed.map((m) => m.id).sort()).toEqual(
      issued.uploads.map((u) => u.memoryId).sort(),
    );
  });

  test("same key with other files is 422 at the header; no memory rows", async () => {
    const key = newKey();
    const body = { files: [await jpeg()] };
    const issued = (await (await requestUploads(owner, hangoutId, body, key)).json()) as {
      uploads: Upload[];
    };
    const before = await memoriesIn(hangoutId);
    for (const other of [
      { files: [await png()] },
      { files: [await jpeg(), await jpeg()] },
      { files: [await jpeg({ filename: "renamed.jpg" })] },
    ]) {
      const problem = await expectKeyProblem(
        await requestUploads(owner, hangoutId, other, key),
        422,
      );
      expect(problem.errors?.map((e) => e.path)).toEqual(["/headers/idempotency-key"]);
    }
    expect(await memoriesIn(hangoutId)).toBe(before);
    const again = (await (await requestUploads(owner, hangoutId, body, key)).json()) as {
      uploads: Upload[];
    };
    expect(again).toEqual(issued);
  });

  test("a key is bound to its hangout and route", async () => {
    const otherHangout = (await (
      await createHangout(owner, { title: "Other album", startsAt: "2030-07-01T10:00:00Z" })
    ).json()) as Hangout;
    const key = newKey();
    const body = { files: [await jpeg()] };
    expect((await requestUploads(owner, hangoutId, body, key)).status).toBe(201);
    const before = await memoriesIn(otherHangout.id);
    await expectKeyProblem(await requestUploads(owner, otherHangout.id, body, key), 422);
    expect(await memoriesIn(otherHangout.id)).toBe(before);

    // a key first used to create a hangout is no upload key, and vice versa
    const hangoutKey = newKey();
    expect(
      (await createHangout(owner, { title: "Keyed", startsAt: "2030-07-02T10:00:00Z" }, hangoutKey))
        .status,
    ).toBe(201);
    await expectKeyProblem(await requestUploads(owner, hangoutId, body, hangoutKey), 422);
    await expectKeyProblem(
      await createHangout(owner, { title: "Keyed", startsAt: "2030-07-02T10:00:00Z" }, key),
      422,
    );
  });

  test("concurrent identical requests with one key issue one set of uploads", async () => {
    const key = newKey();
    const body = { files: [await jpeg(), await png(), await jpeg({ filename: "third.jpeg" })] };
    const before = await memoriesIn(hangoutId);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => requestUploads(owner, hangoutId, body, key)),
    );
    for (const r of responses) expect([201, 409]).toContain(r.status);
    const ok = responses.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.filter((r) => r.headers.get("idempotent-replayed") === null)).toHaveLength(1);
    const bodies = await Promise.all(ok.map((r) => r.json() as Promise<{ uploads: Upload[] }>));
    for (const b of bodies) expect(b).toEqual(bodies[0] as { uploads: Upload[] });
    expect(await memoriesIn(hangoutId)).toBe(before + 3);
    const [rows] = await db.query(
      "SELECT id FROM memories WHERE hangout_id = ? AND id IN (?) ORDER BY id",
      [hangoutId, bodies[0]?.uploads.map((u) => u.memoryId)],
    );
    expect((rows as { id: string }[]).length).toBe(3);
  });

  test("a repeat while the first is still running is 409 and writes nothing", async () => {
    const key = newKey();
    const body = { files: [await png()] };
    await inFlight(owner, key, `POST /hangouts/${hangoutId}/memories/uploads`, body);
    const before = await memoriesIn(hangoutId);
    await expectKeyProblem(await requestUploads(owner, hangoutId, body, key), 409);
    expect(await memoriesIn(hangoutId)).toBe(before);
  });

  test("keys are per user: another member's same key issues their own uploads", async () => {
    const key = newKey();
    const body = { files: [await jpeg()] };
    const before = await memoriesIn(hangoutId);
    const mine = (await (await requestUploads(owner, hangoutId, body, key)).json()) as {
      uploads: Upload[];
    };
    const res = await requestUploads(friend, hangoutId, body, key);
    expect(res.status).toBe(201);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    const theirs = (await res.json()) as { uploads: Upload[] };
    expect(theirs.uploads[0]?.memoryId).not.toBe(mine.uploads[0]?.memoryId);
    expect(await memoriesIn(hangoutId)).toBe(before + 2);
    const [rows] = await db.query("SELECT uploaded_by AS u FROM memories WHERE id = ?", [
      theirs.uploads[0]?.memoryId,
    ]);
    expect((rows as { u: string }[])[0]?.u).toBe(friend.id);
  });

  test("a refused batch releases the key; the corrected batch then succeeds", async () => {
    const key = newKey();
    // passes the schema, refused by the upload rules inside the handler
    const bad = { files: [await jpeg({ filename: "photo.png" })] };
    const before = await memoriesIn(hangoutId);
    const problem = await expectKeyProblem(await requestUploads(owner, hangoutId, bad, key), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual(["/files/0/filename"]);
    expect(await keyRows(owner, key)).toBe(0);
    expect(await memoriesIn(hangoutId)).toBe(before);

    const good = { files: [await jpeg()] };
    const res = await requestUploads(owner, hangoutId, good, key);
    expect(res.status).toBe(201);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    expect(await memoriesIn(hangoutId)).toBe(before + 1);
  });

  test("a non-member's 404 releases the key; once a member, the same key works", async () => {
    const key = newKey();
    const album = (await (
      await createHangout(owner, { title: "Private", startsAt: "2030-07-03T10:00:00Z" })
    ).json()) as Hangout;
    const body = { files: [await png()] };
    expect((await requestUploads(stranger, album.id, body, key)).status).toBe(404);
    expect(await keyRows(stranger, key)).toBe(0);
    await addMember(album.id, stranger);
    const res = await requestUploads(stranger, album.id, body, key);
    expect(res.status).toBe(201);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    expect(await memoriesIn(album.id)).toBe(1);
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
    await expectKeyProblem(await createHangout(owner, { ...body, title: "Other" }, key), 422);
    expect(await hangoutsOf(owner)).toBe(before + 1);

    stack.advance(10);
    const fresh = await createHangout(owner, body, key);
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get("idempotent-replayed")).toBeNull();
    const second = (await fresh.json()) as Hangout;
    expect(second.id).not.toBe(first.id);
    expect(await hangoutsOf(owner)).toBe(before + 2);
    expect(await keyRows(owner, key)).toBe(1);
    // the new request now owns the key
    const replayOfSecond = await createHangout(owner, body, key);
    expect(((await replayOfSecond.json()) as Hangout).id).toBe(second.id);
  });

  test("POST .../memories/uploads: an expired key may carry a different batch", async () => {
    const key = newKey();
    const before = await memoriesIn(hangoutId);
    const first = (await (
      await requestUploads(owner, hangoutId, { files: [await jpeg()] }, key)
    ).json()) as { uploads: Upload[] };

    stack.advance(TTL_SECONDS - 5);
    const replay = await requestUploads(owner, hangoutId, { files: [await jpeg()] }, key);
    expect(await replay.json()).toEqual(first);
    expect(await memoriesIn(hangoutId)).toBe(before + 1);

    stack.advance(10);
    const res = await requestUploads(owner, hangoutId, { files: [await png(), await jpeg()] }, key);
    expect(res.status).toBe(201);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    const second = (await res.json()) as { uploads: Upload[] };
    expect(second.uploads).toHaveLength(2);
    expect(second.uploads.map((u) => u.memoryId)).not.toContain(first.uploads[0]?.memoryId);
    expect(await memoriesIn(hangoutId)).toBe(before + 3);
  });
});
