import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { preferences } from "../src/db/schema.ts";
import { type NotificationStack, startNotificationStack, type TestUser } from "./harness.ts";

/* GET and PUT /notifications/preferences: a signed-in user's switches, one per kind of email. */

let env: NotificationStack;
let ann: TestUser;
let bob: TestUser;

beforeAll(async () => {
  env = await startNotificationStack();
  ann = await env.user("Ann");
  bob = await env.user("Bob");
});
afterAll(() => env?.stop());

const problemOf = async (response: Response) => {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return (await response.json()) as {
    status: number;
    detail?: string;
    errors?: { path: string; message: string }[];
  };
};

describe("GET /notifications/preferences", () => {
  test("every kind is on until the user chooses", async () => {
    const response = await env.as(ann).get("/notifications/preferences");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ invitation: true, update: true, reminder: true });
  });

  test("needs an access token: 401 problem without one or with a bad one", async () => {
    for (const headers of [{}, { authorization: "Bearer not-a-token" }] as Record<
      string,
      string
    >[]) {
      const response = await env.as().get("/notifications/preferences", headers);
      expect(response.status).toBe(401);
      expect((await problemOf(response)).status).toBe(401);
    }
  });
});

describe("PUT /notifications/preferences", () => {
  test("replaces the caller's choices, returns them and keeps them", async () => {
    const choices = { invitation: false, update: true, reminder: false };
    const put = await env.as(ann).put("/notifications/preferences", choices);
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual(choices);

    const get = await env.as(ann).get("/notifications/preferences");
    expect(await get.json()).toEqual(choices);
    const [row] = await env.db.select().from(preferences).where(eq(preferences.userId, ann.id));
    expect(row).toMatchObject(choices);

    // Another user's are their own.
    expect(await (await env.as(bob).get("/notifications/preferences")).json()).toEqual({
      invitation: true,
      update: true,
      reminder: true,
    });

    const again = { invitation: true, update: false, reminder: true };
    await env.as(ann).put("/notifications/preferences", again);
    expect(await (await env.as(ann).get("/notifications/preferences")).json()).toEqual(again);
  });

  test("takes the whole object: a missing, mistyped or unknown field is a 422 naming it", async () => {
    const cases: [unknown, string][] = [
      [{ invitation: true, update: true }, "/reminder"],
      [{ invitation: true, update: "no", reminder: true }, "/update"],
      [{ invitation: true, update: true, reminder: true, digest: false }, "/digest"],
    ];
    for (const [body, path] of cases) {
      const response = await env.as(bob).put("/notifications/preferences", body);
      expect(response.status).toBe(422);
      const problem = await problemOf(response);
      expect(problem.errors?.map((e) => e.path)).toContain(path);
    }
    // Nothing was stored by the refused requests.
    expect(await env.db.select().from(preferences).where(eq(preferences.userId, bob.id))).toEqual(
      [],
    );
  });

  test("a body that is not JSON is refused (only the unsubscribe route takes a form)", async () => {
    const response = await env
      .as(bob)
      .put("/notifications/preferences", "invitation=false&update=true&reminder=true", {
        "content-type": "application/x-www-form-urlencoded",
      });
    expect(response.status).toBe(415);
    expect((await problemOf(response)).detail).toContain("application/json");
  });

  test("needs an access token before anything about the body is said", async () => {
    const response = await env.as().put("/notifications/preferences", { invitation: "x" });
    expect(response.status).toBe(401);
  });
});
