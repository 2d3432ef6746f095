import { describe, expect, test } from "bun:test";
import { toOpenAPISchema } from "@elysiajs/openapi";
import { Elysia, t } from "elysia";
import { checkDocumentedResponse, trustSuccessBodies } from "./response-schemas.ts";
import { fetchDocumented } from "./testing/documented-fetch.ts";

// A new schema per app: trustSuccessBodies marks the schema objects themselves.
const thing = () =>
  t.Object({ id: t.String({ format: "uuid" }), at: t.String({ format: "date-time" }) });
const ID = "01a201d0-0be8-7781-9e80-461f8cfac890";

/** A fresh app per test: Elysia compiles a route on its first request. */
const app = (body: unknown) =>
  new Elysia({ normalize: false })
    .get("/things/:id", () => body as never, { response: { 200: thing() } })
    .get("/things/special", () => ({ special: true }), {
      response: { 200: t.Object({ special: t.Boolean() }) },
    })
    .post("/things", () => ({ id: ID }) as never, { response: { 201: thing() } })
    .get("/health", () => ({ ok: true }));

const get = (target: { handle(r: Request): Promise<Response> }, path: string) =>
  target.handle(new Request(`http://localhost${path}`));

describe("trustSuccessBodies", () => {
  test("without it, Elysia refuses a body that breaks its schema", async () => {
    const response = await get(app({ id: ID, at: "yesterday" }), `/things/${ID}`);
    expect(response.status).not.toBe(200);
  });

  test("with it, the body is served as built: only the tests' checks stand guard", async () => {
    const served = app({ id: ID, at: "yesterday", passwordHash: "secret" });
    trustSuccessBodies(served);
    const response = await get(served, `/things/${ID}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: ID, at: "yesterday", passwordHash: "secret" });
    expect(() =>
      checkDocumentedResponse(served, "GET", `/things/${ID}`, 200, {
        id: ID,
        at: "2030-06-01T10:00:00.000Z",
        passwordHash: "secret",
      }),
    ).toThrow(/passwordHash/);
  });

  test("its marks stay out of the OpenAPI document built from the same schemas", async () => {
    const served = app({ id: ID, at: "yesterday" });
    trustSuccessBodies(served);
    const schema = served.routes[0]!.hooks.response[200] as Record<string, unknown>;
    expect(schema.noValidate).toBe(true);
    expect(JSON.stringify({ ...schema })).not.toContain("noValidate");
    const document = JSON.stringify(toOpenAPISchema(served as never));
    expect(document).toContain('"format":"date-time"');
    expect(document).not.toContain("noValidate");
    // ...and marking them still turns the check off.
    expect((await get(served, `/things/${ID}`)).status).toBe(200);
  });
});

describe("checkDocumentedResponse", () => {
  const routes = app(undefined);
  const good = { id: ID, at: "2030-06-01T10:00:00.000Z" };

  test("a body that matches passes; one that does not names the field", () => {
    expect(() => checkDocumentedResponse(routes, "GET", `/things/${ID}`, 200, good)).not.toThrow();
    expect(() =>
      checkDocumentedResponse(routes, "GET", `/things/${ID}`, 200, { ...good, at: "soon" }),
    ).toThrow(/GET \/things\/:id 200: .* at \/at: .*date-time/);
    expect(() => checkDocumentedResponse(routes, "GET", "/things/x", 200, { id: ID })).toThrow(
      /at \/at/,
    );
  });

  test("a static segment wins over a parameter, as in the router", () => {
    expect(() =>
      checkDocumentedResponse(routes, "GET", "/things/special", 200, { special: true }),
    ).not.toThrow();
  });

  test("an undocumented success status and an unknown route are errors", () => {
    expect(() => checkDocumentedResponse(routes, "POST", "/things", 200, good)).toThrow(
      /answered 200, which it does not document/,
    );
    expect(() => checkDocumentedResponse(routes, "GET", "/nothing", 200, {})).toThrow(
      /no route documents/,
    );
  });

  test("routes without documented bodies and error statuses are not checked", () => {
    expect(() => checkDocumentedResponse(routes, "GET", "/health", 200, { any: 1 })).not.toThrow();
    expect(() => checkDocumentedResponse(routes, "GET", `/things/${ID}`, 404, {})).not.toThrow();
  });
});

describe("fetchDocumented", () => {
  test("a served body that breaks its schema fails the request in a test", async () => {
    const served = app({ id: ID, at: "yesterday" });
    trustSuccessBodies(served);
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (r) => served.handle(r) });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      await expect(fetchDocumented(served, `${url}/things/${ID}`)).rejects.toThrow(/at \/at/);
      expect((await fetchDocumented(served, `${url}/things/special`)).status).toBe(200);
    } finally {
      await server.stop(true);
    }
  });
});
