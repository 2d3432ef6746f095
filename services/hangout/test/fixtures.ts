/**
 * What the hangout integration tests arrange again and again: hangouts, members, memories
 * through the real upload flow, rows read back, pages walked, problems checked. Each takes the
 * stack first; each asserts what it relies on, so a broken step fails where it broke.
 */
import { expect } from "bun:test";
import { type TestImage, testImage, testImageFile } from "@hangout/platform/testing/images";
import { fingerprint } from "../src/services/idempotency.ts";
import type { Stack, TestUser } from "./harness.ts";

export interface Hangout {
  id: string;
  title: string;
  description: string | null;
  location: { name: string; address: string | null; lat: number | null; lng: number | null } | null;
  startsAt: string;
  endsAt: string | null;
  status: "planning" | "confirmed" | "done" | "cancelled";
  ownerId: string;
  memberCount: number;
  myRsvp: string;
  createdAt: string;
  updatedAt: string;
}

export interface Upload {
  memoryId: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  expiresAt: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: { path: string; message: string }[];
}

export interface PageBody<T> {
  items: T[];
  nextCursor: string | null;
}

/** The start time of a hangout made without one, and an end after it. */
export const START = "2030-06-01T10:00:00.000Z";
export const END = "2030-06-01T18:00:00.000Z";

/** A distinctive value that must never come back in an error response. */
export const marker = () => `SECRET-${crypto.randomUUID()}`;

/** Creates a hangout as `user` (201 expected); `body` overrides the title and start. */
export async function createHangout(
  stack: Stack,
  user: TestUser,
  body: Record<string, unknown> = {},
): Promise<Hangout> {
  const response = await stack
    .as(user)
    .post("/hangouts", { title: "Weekend", startsAt: START, ...body });
  expect(response.status).toBe(201);
  return (await response.json()) as Hangout;
}

/** The id of a new hangout of `user` starting at `startsAt`. */
export const hangoutAt = async (stack: Stack, user: TestUser, startsAt: string, title = "Plan") =>
  (await createHangout(stack, user, { title, startsAt })).id;

/** Reads a hangout as `user` (200 expected). */
export async function getHangout(stack: Stack, user: TestUser, id: string) {
  const response = await stack.as(user).get(`/hangouts/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Hangout;
}

/** Invites `users` by email; every one of them must come back as invited. */
export async function invite(stack: Stack, owner: TestUser, hangoutId: string, users: TestUser[]) {
  const response = await stack
    .as(owner)
    .post(`/hangouts/${hangoutId}/invites`, { emails: users.map((u) => u.email) });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { invited: string[] };
  expect(body.invited.sort()).toEqual(users.map((u) => u.id).sort());
}

/** Makes `user` a plain member directly in the database, without auth's UserDirectory. */
export async function addMember(stack: Stack, hangoutId: string, user: TestUser) {
  await stack.db.query(
    `INSERT INTO members (hangout_id, user_id, role, rsvp, joined_at, starts_at)
     SELECT id, ?, 'member', 'pending', NOW(3), starts_at FROM hangouts WHERE id = ?`,
    [user.id, hangoutId],
  );
  await stack.db.query("UPDATE hangouts SET member_count = member_count + 1 WHERE id = ?", [
    hangoutId,
  ]);
}

/** Rows of a query on the hangout database. */
export const query = async <T = Record<string, unknown>>(
  stack: Stack,
  sql: string,
  values: unknown[] = [],
) => (await stack.db.query(sql, values))[0] as T[];

/** The `n` of a `SELECT COUNT(*) AS n …`. */
export async function count(stack: Stack, sql: string, values: unknown[] = []) {
  return Number((await query<{ n: number }>(stack, sql, values))[0]?.n);
}

/** PUTs `bytes` to a presigned upload; the store must accept it. */
export async function putUpload(upload: Upload, bytes: Uint8Array) {
  const response = await fetch(upload.url, {
    method: upload.method,
    headers: upload.headers,
    body: bytes,
  });
  expect(response.status).toBe(200);
}

/**
 * `count` (≤ 10) memories of one image format through the real flow: upload URLs, then (unless
 * `put` is false) the bytes, then (unless `confirm` is false) the confirm, which must confirm
 * every one. Returns the memory ids in the order the uploads were issued.
 */
export async function uploadMemories(
  stack: Stack,
  user: TestUser,
  hangoutId: string,
  {
    count = 1,
    format = "png",
    put = true,
    confirm = true,
  }: { count?: number; format?: TestImage; put?: boolean; confirm?: boolean } = {},
) {
  const [bytes, file] = await Promise.all([testImage(format), testImageFile(format)]);
  const created = await stack.as(user).post(`/hangouts/${hangoutId}/memories/uploads`, {
    files: Array.from({ length: count }, () => file),
  });
  expect(created.status).toBe(201);
  const { uploads } = (await created.json()) as { uploads: Upload[] };
  if (put || confirm) await Promise.all(uploads.map((upload) => putUpload(upload, bytes)));
  const ids = uploads.map((u) => u.memoryId);
  if (!confirm) return ids;
  const confirmed = await stack
    .as(user)
    .post(`/hangouts/${hangoutId}/memories/confirm`, { memoryIds: ids });
  expect(confirmed.status).toBe(200);
  const body = (await confirmed.json()) as { confirmed: { id: string }[]; failed: unknown[] };
  expect(body.failed).toEqual([]);
  expect(body.confirmed.map((m) => m.id).sort()).toEqual([...ids].sort());
  return ids;
}

/**
 * Asserts a problem+json answer with `status` (`what` names the request in a failure) and
 * returns its body.
 */
export async function expectProblem(response: Response, status: number, what = "") {
  expect({
    what,
    status: response.status,
    contentType: response.headers.get("content-type"),
  }).toEqual({ what, status, contentType: "application/problem+json" });
  const body = (await response.json()) as ProblemBody;
  expect(body.status).toBe(status);
  expect(body.type).toStartWith("https://hangout-planner.dev/problems/");
  expect(typeof body.title).toBe("string");
  return body;
}

/** Asserts a 422 problem+json naming `path`, without echoing any of `secrets`. */
export async function expect422(response: Response, path: string, secrets: string[] = []) {
  const text = await response.text();
  expect(response.status).toBe(422);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const problem = JSON.parse(text) as ProblemBody;
  expect(problem.status).toBe(422);
  expect(Array.isArray(problem.errors)).toBe(true);
  for (const error of problem.errors ?? []) {
    expect(typeof error.path).toBe("string");
    expect(typeof error.message).toBe("string");
  }
  expect(problem.errors?.map((e) => e.path)).toContain(path);
  for (const secret of secrets) expect(text).not.toContain(secret);
  return problem;
}

/** `path` with `params` added to its query string (undefined ones left out). */
export const withQuery = (path: string, params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) search.set(key, String(value));
  }
  return `${path}${path.includes("?") ? "&" : "?"}${search}`;
};

/** One page of a list route (200 expected). */
export async function page<T>(
  stack: Stack,
  user: TestUser,
  path: string,
  limit?: number,
  cursor?: string,
) {
  const response = await stack.as(user).get(withQuery(path, { limit, cursor }));
  expect(response.status).toBe(200);
  return (await response.json()) as PageBody<T>;
}

/**
 * Walks every page of `path` with `limit`; `between(n)` runs after page n (when there is a
 * next page) and before the next fetch, to insert items concurrently with the walk.
 */
export async function walk<T>(
  stack: Stack,
  user: TestUser,
  path: string,
  limit: number,
  between?: (pageNumber: number) => Promise<void>,
) {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const body = await page<T>(stack, user, path, limit, cursor);
    pages++;
    expect(body.items.length).toBeLessThanOrEqual(limit);
    items.push(...body.items);
    if (body.nextCursor === null) break;
    // A page that says there is more is full.
    expect(body.items.length).toBe(limit);
    expect(pages).toBeLessThan(200);
    if (between) await between(pages);
    cursor = body.nextCursor;
  }
  return { items, pages };
}

export const newKey = () => `key-${crypto.randomUUID()}`;
export const withKey = (key: string) => ({ "idempotency-key": key });

/** How many stored responses `user` has under `key`. */
export const keyRows = (stack: Stack, user: TestUser, key: string) =>
  count(
    stack,
    "SELECT COUNT(*) AS n FROM idempotency_keys WHERE user_id = ? AND idempotency_key = ?",
    [user.id, key],
  );

/** Stores a claimed, unfinished key as a request still running would leave it. */
export async function inFlight(
  stack: Stack,
  user: TestUser,
  key: string,
  scope: string,
  body: unknown,
) {
  await stack.db.query(
    `INSERT INTO idempotency_keys
       (user_id, idempotency_key, scope, request_hash, response_status, response_body, created_at, expires_at)
     VALUES (?, ?, ?, ?, NULL, NULL, '2099-01-01 00:00:00.000', '2099-01-02 00:00:00.000')`,
    [user.id, key, scope, fingerprint(scope, body)],
  );
}
