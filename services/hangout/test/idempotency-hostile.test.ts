/**
 * Input that fuzzing found failing only with an Idempotency-Key: a request with a key must get
 * exactly the answer it gets without one (status and body), and never a 5xx the plain path
 * does not give.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AppError } from "@hangout/platform/errors";
import { testImageFile } from "@hangout/platform/testing/images";
import { createHangout, keyRows, newKey, withKey } from "./fixtures.ts";
import { type Stack, startStackWithPeople, type TestUser } from "./harness.ts";

let stack: Stack;
let owner: TestUser;
let friend: TestUser;
let hangoutId: string;

beforeAll(async () => {
  ({ stack, owner, friend } = await startStackWithPeople());
  hangoutId = (await createHangout(stack, owner)).id;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

const LONG_ID = "a".repeat(1000);

/** The four idempotent routes, each with a body that passes its schema. */
const ROUTES = [
  {
    route: "POST /hangouts",
    path: () => "/hangouts",
    body: async (text: string) => ({ title: text, startsAt: "2030-06-01T10:00:00Z" }),
  },
  {
    route: "POST /hangouts/{id}/activities",
    path: (id: string) => `/hangouts/${id}/activities`,
    body: async (text: string) => ({ title: text }),
  },
  {
    route: "POST /hangouts/{id}/invites",
    path: (id: string) => `/hangouts/${id}/invites`,
    body: async (text: string) => ({ emails: [text === "ok" ? friend.email : `${text}@x.test`] }),
  },
  {
    route: "POST /hangouts/{id}/memories/uploads",
    path: (id: string) => `/hangouts/${id}/memories/uploads`,
    body: async (text: string) => ({
      files: [await testImageFile("jpg", { filename: `${text}.jpg` })],
    }),
  },
];

/** Status and body, without what differs between two requests by design. */
async function answer(response: Response) {
  const body = (await response.json()) as Record<string, unknown>;
  delete body.instance;
  return { status: response.status, body };
}

/**
 * Sends `body` to `path` without a key, then with a fresh key twice: no answer is a 5xx, all
 * have the plain status, and a refusal is the plain problem with the key left unclaimed.
 */
async function expectSameAnswer(path: string, body: unknown) {
  const plain = await answer(await stack.as(owner).post(path, body));
  expect(plain.status).toBeLessThan(500);
  const key = newKey();
  for (let i = 0; i < 2; i++) {
    const keyed = await answer(await stack.as(owner).post(path, body, withKey(key)));
    if (plain.status >= 400) expect(keyed).toEqual(plain);
    else expect(keyed.status).toBe(plain.status);
  }
  if (plain.status >= 400) expect(await keyRows(stack, owner, key)).toBe(0);
  return plain;
}

describe("with and without an Idempotency-Key, the same answer", () => {
  for (const { route, path, body } of ROUTES.slice(1)) {
    test(`${route}: a 1,000-character path id`, async () => {
      expect((await expectSameAnswer(path(LONG_ID), await body("ok"))).status).toBe(404);
    });
  }

  for (const { route, path, body } of ROUTES) {
    test(`${route}: a lone UTF-16 surrogate in the body`, async () => {
      await expectSameAnswer(path(hangoutId), await body("\ud800"));
    });
  }
});

describe("a key first used on a path id that is not found", () => {
  test("is released, and then serves a valid request once", async () => {
    const key = newKey();
    const bad = await stack
      .as(owner)
      .post(`/hangouts/${LONG_ID}/activities`, { title: "Kayak" }, withKey(key));
    expect(bad.status).toBe(404);
    expect(await keyRows(stack, owner, key)).toBe(0);

    const good = await stack
      .as(owner)
      .post(`/hangouts/${hangoutId}/activities`, { title: "Kayak" }, withKey(key));
    expect(good.status).toBe(201);
    expect(good.headers.get("idempotent-replayed")).toBeNull();
    const again = await stack
      .as(owner)
      .post(`/hangouts/${hangoutId}/activities`, { title: "Kayak" }, withKey(key));
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(await good.json());
  });
});

/**
 * The idempotency step itself, called as the routes call it: the platform may refuse lone
 * surrogates before any route runs, but this step must not depend on that.
 */
describe("the idempotency step, whatever reaches it", () => {
  const hostile = [
    { what: "a lone surrogate in the body", scope: "POST /hangouts", body: { title: "\ud800" } },
    {
      what: "a 1,000-character scope",
      scope: `POST /hangouts/${LONG_ID}/activities`,
      body: { title: "Kayak" },
    },
  ];

  for (const { what, scope, body } of hostile) {
    const call = (key: string, handler: () => Promise<{ status: number; body: unknown }>) => {
      const set: { status?: number | string; headers: Record<string, string | number> } = {
        headers: {},
      };
      const result = stack.hangout.deps.idempotent(
        { userId: owner.id, key, scope, body, set },
        handler,
      );
      return { set, result };
    };

    test(`${what}: the handler's error is the answer, and the key is released`, async () => {
      const key = newKey();
      const notFound = new AppError("not_found", "No such hangout");
      const { result } = call(key, async () => {
        throw notFound;
      });
      let thrown: unknown;
      await result.catch((error: unknown) => {
        thrown = error;
      });
      expect(thrown).toBe(notFound);
      expect(await keyRows(stack, owner, key)).toBe(0);
    });

    test(`${what}: the handler's success is stored and replayed`, async () => {
      const key = newKey();
      let runs = 0;
      const handler = async () => ({ status: 201, body: { run: ++runs } });
      const first = call(key, handler);
      expect(await first.result).toEqual({ run: 1 });
      expect(first.set.status).toBe(201);
      const replay = call(key, handler);
      expect(await replay.result).toEqual({ run: 1 });
      expect(replay.set.status).toBe(201);
      expect(replay.set.headers["idempotent-replayed"]).toBe("true");
      expect(runs).toBe(1);
      expect(await keyRows(stack, owner, key)).toBe(1);
    });
  }
});
