import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testImage, testImageFile } from "@hangout/platform/testing/images";
import {
  addMember,
  count,
  expectProblem,
  type Hangout,
  inFlight,
  keyRows,
  newKey,
  putUpload,
  type Upload,
  withKey,
} from "./fixtures.ts";
import { type Stack, startStackWithPeople, type TestUser } from "./harness.ts";

/** Short, so expiry can be reached with `stack.advance` (the config's minimum is 60). */
const TTL_SECONDS = 60;

let stack: Stack;
let owner: TestUser;
let friend: TestUser;
let stranger: TestUser;
let hangoutId: string;

const memoriesIn = (id: string) =>
  count(stack, "SELECT COUNT(*) AS n FROM memories WHERE hangout_id = ?", [id]);

const createHangout = (user: TestUser, body: unknown, key?: string) =>
  stack.as(user).post("/hangouts", body, key ? withKey(key) : undefined);

const jpeg = (overrides: Record<string, unknown> = {}) => testImageFile("jpg", overrides);
const png = (overrides: Record<string, unknown> = {}) => testImageFile("png", overrides);

const requestUploads = (user: TestUser, id: string, body: unknown, key?: string) =>
  stack.as(user).post(`/hangouts/${id}/memories/uploads`, body, key ? withKey(key) : undefined);

beforeAll(async () => {
  ({ stack, owner, friend, stranger } = await startStackWithPeople({
    IDEMPOTENCY_TTL_SECONDS: String(TTL_SECONDS),
  }));
  const res = await createHangout(owner, { title: "Album", startsAt: "2030-06-01T10:00:00Z" });
  expect(res.status).toBe(201);
  hangoutId = ((await res.json()) as Hangout).id;
  await addMember(stack, hangoutId, friend);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
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
    for (const [i, upload] of replayed.uploads.entries()) await putUpload(upload, bytes[i]!);
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
      const problem = await expectProblem(await requestUploads(owner, hangoutId, other, key), 422);
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
    await expectProblem(await requestUploads(owner, otherHangout.id, body, key), 422);
    expect(await memoriesIn(otherHangout.id)).toBe(before);

    // a key first used to create a hangout is no upload key, and vice versa
    const hangoutKey = newKey();
    expect(
      (await createHangout(owner, { title: "Keyed", startsAt: "2030-07-02T10:00:00Z" }, hangoutKey))
        .status,
    ).toBe(201);
    await expectProblem(await requestUploads(owner, hangoutId, body, hangoutKey), 422);
    await expectProblem(
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
    const [rows] = await stack.db.query(
      "SELECT id FROM memories WHERE hangout_id = ? AND id IN (?) ORDER BY id",
      [hangoutId, bodies[0]?.uploads.map((u) => u.memoryId)],
    );
    expect((rows as { id: string }[]).length).toBe(3);
  });

  test("a repeat while the first is still running is 409 and writes nothing", async () => {
    const key = newKey();
    const body = { files: [await png()] };
    await inFlight(stack, owner, key, `POST /hangouts/${hangoutId}/memories/uploads`, body);
    const before = await memoriesIn(hangoutId);
    await expectProblem(await requestUploads(owner, hangoutId, body, key), 409);
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
    const [rows] = await stack.db.query("SELECT uploaded_by AS u FROM memories WHERE id = ?", [
      theirs.uploads[0]?.memoryId,
    ]);
    expect((rows as { u: string }[])[0]?.u).toBe(friend.id);
  });

  test("a refused batch releases the key; the corrected batch then succeeds", async () => {
    const key = newKey();
    // passes the schema, refused by the upload rules inside the handler
    const bad = { files: [await jpeg({ filename: "photo.png" })] };
    const before = await memoriesIn(hangoutId);
    const problem = await expectProblem(await requestUploads(owner, hangoutId, bad, key), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual(["/files/0/filename"]);
    expect(await keyRows(stack, owner, key)).toBe(0);
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
    expect(await keyRows(stack, stranger, key)).toBe(0);
    await addMember(stack, album.id, stranger);
    const res = await requestUploads(stranger, album.id, body, key);
    expect(res.status).toBe(201);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    expect(await memoriesIn(album.id)).toBe(1);
  });
});

describe("expiry after IDEMPOTENCY_TTL_SECONDS", () => {
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
