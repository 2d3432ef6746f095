import { describe, expect, test } from "bun:test";
import { Elysia, t } from "elysia";
import { OneOf } from "./http-schemas.ts";

const app = new Elysia()
  .post("/required", ({ body }) => body, { body: t.Object({ rsvp: OneOf(["going", "maybe"]) }) })
  .post("/optional", ({ body }) => body, {
    body: t.Object({ note: t.String(), rsvp: t.Optional(OneOf(["going", "maybe"])) }),
  })
  .get("/query", ({ query }) => query, {
    query: t.Object({ status: t.Optional(OneOf(["planning", "done"])) }),
  });

const post = (path: string, body: unknown) =>
  app.handle(
    new Request(`http://localhost${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );

describe("OneOf", () => {
  test("a missing required value is refused, never filled with a default", async () => {
    expect((await post("/required", {})).status).toBe(422);
    expect((await post("/required", 42)).status).toBe(422);
    expect((await post("/required", { rsvp: "nah" })).status).toBe(422);
    expect(await (await post("/required", { rsvp: "maybe" })).json()).toEqual({ rsvp: "maybe" });
  });

  test("a missing optional value stays missing, in a body and in a query", async () => {
    expect(await (await post("/optional", { note: "x" })).json()).toEqual({ note: "x" });
    const query = await app.handle(new Request("http://localhost/query"));
    expect(await query.json()).toEqual({});
  });

  test("Elysia's t.UnionEnum, which OneOf replaces, does fill in its first value", async () => {
    // If this starts failing, Elysia fixed it and OneOf's reason to exist is gone.
    const unionEnum = new Elysia().post("/", ({ body }) => body, {
      body: t.Object({ rsvp: t.UnionEnum(["going", "maybe"]) }),
    });
    const response = await unionEnum.handle(
      new Request("http://localhost/", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(await response.json()).toEqual({ rsvp: "going" });
  });
});
