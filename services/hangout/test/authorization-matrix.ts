/**
 * The authorization matrix's table (one row per HTTP route of the hangout service), the helpers
 * its test (authorization-matrix.test.ts) runs every row with, and the stack and cast that test
 * and authorization-members-memories.test.ts each start.
 */
import { expect } from "bun:test";
import { createHangout, invite, uploadMemories } from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** The ids a row's path and body are filled in from. */
export interface World {
  /** Hangout owned by `owner`, with `member` and `peer` as plain members. */
  hangoutId: string;
  /** An activity of the hangout, proposed by the owner. */
  activityId: string;
  /** A confirmed memory of the hangout, uploaded by the owner. */
  memoryId: string;
}

export interface Row {
  method: Method;
  /** Exactly as the app registers it (`:id` is the memory's id under /memories). */
  path: string;
  /** What `:id` names: a hangout, a memory, or nothing (routes every user may call). */
  scope: "user" | "hangout" | "memory";
  body?: (world: World) => unknown;
  /** Only the hangout's owner (or, for a memory, its uploader) may call it: a member gets 403. */
  ownerOnly: boolean;
  /** The success status of the least-privileged allowed caller. */
  ok: 200 | 201 | 204;
  /** An event stream: its success is the status and the headers; the body never ends. */
  stream?: true;
}

export const ROUTES: Row[] = [
  {
    method: "POST",
    path: "/hangouts",
    scope: "user",
    body: () => ({ title: "Any user", startsAt: "2030-01-01T10:00:00Z" }),
    ownerOnly: false,
    ok: 201,
  },
  { method: "GET", path: "/hangouts", scope: "user", ownerOnly: false, ok: 200 },
  { method: "GET", path: "/hangouts/:id", scope: "hangout", ownerOnly: false, ok: 200 },
  {
    method: "PATCH",
    path: "/hangouts/:id",
    scope: "hangout",
    body: () => ({ title: "Renamed" }),
    ownerOnly: true,
    ok: 200,
  },
  { method: "DELETE", path: "/hangouts/:id", scope: "hangout", ownerOnly: true, ok: 204 },
  {
    method: "POST",
    path: "/hangouts/:id/invites",
    scope: "hangout",
    body: () => ({ emails: ["nobody-at-all@example.com"] }),
    ownerOnly: true,
    ok: 200,
  },
  { method: "GET", path: "/hangouts/:id/members", scope: "hangout", ownerOnly: false, ok: 200 },
  { method: "GET", path: "/hangouts/:id/invitations", scope: "hangout", ownerOnly: true, ok: 200 },
  {
    method: "PUT",
    path: "/hangouts/:id/rsvp",
    scope: "hangout",
    body: () => ({ rsvp: "maybe" }),
    ownerOnly: false,
    ok: 200,
  },
  // `:userId` is another member (`peer`): only the owner may remove someone else.
  {
    method: "DELETE",
    path: "/hangouts/:id/members/:userId",
    scope: "hangout",
    ownerOnly: true,
    ok: 204,
  },
  {
    method: "POST",
    path: "/hangouts/:id/activities",
    scope: "hangout",
    body: () => ({ title: "Bowling", notes: "lanes 3-4" }),
    ownerOnly: false,
    ok: 201,
  },
  { method: "GET", path: "/hangouts/:id/activities", scope: "hangout", ownerOnly: false, ok: 200 },
  {
    method: "PUT",
    path: "/hangouts/:id/activities/:activityId/vote",
    scope: "hangout",
    ownerOnly: false,
    ok: 204,
  },
  {
    method: "DELETE",
    path: "/hangouts/:id/activities/:activityId/vote",
    scope: "hangout",
    ownerOnly: false,
    ok: 204,
  },
  {
    method: "POST",
    path: "/hangouts/:id/memories/uploads",
    scope: "hangout",
    body: () => ({
      files: [
        { filename: "a.png", contentType: "image/png", size: 100, sha256: `${"A".repeat(43)}=` },
      ],
    }),
    ownerOnly: false,
    ok: 201,
  },
  {
    method: "POST",
    path: "/hangouts/:id/memories/confirm",
    scope: "hangout",
    body: (w) => ({ memoryIds: [w.memoryId] }),
    ownerOnly: false,
    ok: 200,
  },
  { method: "GET", path: "/hangouts/:id/memories", scope: "hangout", ownerOnly: false, ok: 200 },
  { method: "GET", path: "/memories/:id", scope: "memory", ownerOnly: false, ok: 200 },
  // The memory is the owner's upload: a member who did not upload it gets 403.
  { method: "DELETE", path: "/memories/:id", scope: "memory", ownerOnly: true, ok: 204 },
  {
    method: "GET",
    path: "/hangouts/:id/events",
    scope: "hangout",
    ownerOnly: false,
    ok: 200,
    stream: true,
  },
  { method: "GET", path: "/me/events", scope: "user", ownerOnly: false, ok: 200, stream: true },
];

export const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
export const rowName = (row: Row) => key(row.method, row.path);
export const MISSING = "0190f000-0000-7000-8000-000000000000";

export const hangoutRows = ROUTES.filter((row) => row.scope !== "user");
export const ownerOnlyRows = ROUTES.filter((row) => row.ownerOnly);
export const bodyRows = ROUTES.filter((row) => row.body);

/** Asserts `status` (the body is in the failure message) and parses the JSON body. */
export async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  return JSON.parse(text) as T;
}

/** Who a world is made of: its owner and two plain members (`peer` is the one removed). */
export interface Cast {
  owner: TestUser;
  member: TestUser;
  peer: TestUser;
}

/** The matrix's helpers, bound to one stack and its cast. */
export function matrix(stack: Stack, { owner, member, peer }: Cast) {
  /** Uploads a real JPEG to `hangoutId` as `user`; confirms it unless `confirm` is false. */
  const uploadMemory = async (user: TestUser, hangoutId: string, confirm = true) =>
    (await uploadMemories(stack, user, hangoutId, { format: "jpg", confirm }))[0]!;

  /** A fresh hangout: owner, two plain members, an activity and a confirmed memory. */
  async function newWorld(): Promise<World> {
    const hangoutId = (await createHangout(stack, owner, { title: "Picnic" })).id;
    await invite(stack, owner, hangoutId, [member, peer]);
    const activity = await json<{ id: string }>(
      await stack.as(owner).post(`/hangouts/${hangoutId}/activities`, { title: "Hike" }),
      201,
    );
    const memoryId = await uploadMemory(owner, hangoutId);
    return { hangoutId, activityId: activity.id, memoryId };
  }

  /** The row's concrete path; `id` overrides the hangout's or memory's id. */
  function pathOf(row: Row, world: World, id?: string) {
    const own = row.scope === "memory" ? world.memoryId : world.hangoutId;
    return row.path
      .replace(":activityId", world.activityId)
      .replace(":userId", peer.id)
      .replace(":id", id ?? own);
  }

  function call(
    row: Row,
    world: World,
    as?: TestUser,
    options: { id?: string; headers?: Record<string, string> } = {},
  ) {
    const api = stack.as(as);
    const path = pathOf(row, world, options.id);
    const body = row.body?.(world);
    const headers = options.headers;
    switch (row.method) {
      case "GET":
        return api.get(path, headers);
      case "DELETE":
        return api.delete(path, headers);
      case "POST":
        return api.post(path, body, headers);
      case "PATCH":
        return api.patch(path, body, headers);
      case "PUT":
        return api.put(path, body, headers);
    }
  }

  /**
   * Everything a denied request could have changed, as the owner sees it (download URLs are
   * re-signed on each read, so they are left out).
   */
  async function snapshot(world: World) {
    const api = stack.as(owner);
    const read = async (path: string) => {
      const response = await api.get(path);
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const memories = await read(`/hangouts/${world.hangoutId}/memories`);
    const memory = await read(`/memories/${world.memoryId}`);
    const stripUrls = (value: unknown): unknown =>
      JSON.parse(
        JSON.stringify(value, (k, v) => (k === "url" || k === "urlExpiresAt" ? undefined : v)),
      );
    return {
      hangout: await read(`/hangouts/${world.hangoutId}`),
      members: await read(`/hangouts/${world.hangoutId}/members`),
      activities: await read(`/hangouts/${world.hangoutId}/activities`),
      memories: stripUrls(memories),
      memory: stripUrls(memory),
    };
  }

  return { newWorld, call, snapshot, uploadMemory };
}

/**
 * A stack with the cast and an outsider (a member of none of their worlds), and the matrix's
 * helpers bound to them.
 */
export async function startMatrix() {
  const stack = await startStack();
  const [owner, member, peer, outsider] = await Promise.all([
    stack.user("Owner"),
    stack.user("Member"),
    stack.user("Peer"),
    stack.user("Outsider"),
  ]);
  return { stack, owner, member, peer, outsider, ...matrix(stack, { owner, member, peer }) };
}
