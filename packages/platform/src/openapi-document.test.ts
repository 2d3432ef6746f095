import { afterAll, describe, expect, test } from "bun:test";
import { type AnyElysia, Elysia, t } from "elysia";
import { commonConfigSchema, configSchema, loadConfig } from "./config.ts";
import { docs } from "./docs.ts";
import { healthRoutes, LOCAL_ONLY_PATHS } from "./health-routes.ts";
import { pipelineHooks } from "./http-pipeline.ts";
import { Problem } from "./http-schemas.ts";
import type { OpenApiDocument } from "./openapi-document.ts";
import { EDGE_SERVER, withServers } from "./openapi-servers.ts";
import { createPlatform } from "./platform.ts";
import { trustSuccessBodies } from "./response-schemas.ts";

const platform = createPlatform("demo", loadConfig(configSchema(commonConfigSchema), {}), {
  logDestination: { write: () => {} },
});
afterAll(() => platform.lifecycle.closeAll(platform.logger));

const Thing = t.Object({ id: t.String({ format: "uuid" }), count: t.Integer() });
const bearer = [{ bearer: [] }];

/** Built like createHttpApp: the pipeline's hooks (its body parser too), docs, health, routes. */
function demoApp(routes: AnyElysia) {
  const app = new Elysia({ normalize: false })
    .use(pipelineHooks(platform, () => []))
    .use(docs({ title: "demo API", version: "1", description: "demo" }))
    .use(healthRoutes(platform.lifecycle, []))
    .use(routes);
  trustSuccessBodies(app);
  return app;
}

/** Fresh route objects on each call; the schemas they name (Thing, Problem) are shared. */
const demoRoutes = () =>
  new Elysia()
    .get("/plain", () => ({ id: "x", count: 1 }), {
      response: { 200: Thing },
      detail: { summary: "plain", security: [] },
    })
    .post("/things", ({ body }) => ({ id: "x", count: body.count }), {
      body: t.Object({ count: t.Integer() }, { additionalProperties: false }),
      response: { 201: Thing, 409: Problem, 429: Problem },
      detail: { summary: "create", security: bearer },
    })
    .post("/maybe", () => null, {
      body: t.Optional(t.Object({ note: t.Optional(t.String()) })),
      detail: { summary: "optional body", security: bearer },
    })
    .get("/list", () => [], {
      query: t.Object({ limit: t.Optional(t.Integer()) }),
      response: { 200: t.Array(Thing) },
      detail: { summary: "list", security: bearer },
    })
    .get("/things/:id", () => ({ id: "x", count: 1 }), {
      response: { 200: Thing, 404: Problem, 503: Problem },
      detail: { summary: "one", security: bearer },
    })
    .delete(
      "/things/:id",
      ({ set }) => {
        set.status = 204;
      },
      {
        response: { 204: t.Void({ description: "Gone" }), 401: Problem },
        detail: { summary: "remove", security: bearer },
      },
    )
    .get("/.well-known/keys.json", () => ({}), { detail: { summary: "keys", security: [] } });

const app = demoApp(demoRoutes());

const fetchDocument = async (target: { handle(r: Request): Promise<Response> }, origin: string) =>
  (await (await target.handle(new Request(`${origin}/docs/json`))).json()) as OpenApiDocument;

const document = await fetchDocument(app, "http://127.0.0.1:4000");
type Operation = {
  responses: Record<string, { description?: string; content?: Record<string, unknown> }>;
} & Record<string, unknown>;
const operation = (path: string, method: string) =>
  document.paths[path]?.[method] as Operation | undefined;
const statuses = (path: string, method: string) =>
  Object.keys(operation(path, method)?.responses ?? {});

describe("the OpenAPI document", () => {
  test("lists every status each route can answer: its own and the pipeline's", () => {
    const everywhere = ["414", "431", "500"];
    expect(statuses("/plain", "get")).toEqual(["200", ...everywhere]);
    // A body: 400 (not JSON, too deep), 413, 415 and 422.
    expect(statuses("/things", "post")).toEqual(
      ["201", "400", "409", "413", "414", "415", "422", "429", "431", "500"].sort(),
    );
    expect(statuses("/list", "get")).toEqual(["200", "414", "422", "431", "500"]);
    // A path parameter that is not UTF-8 once decoded is a 404.
    expect(statuses("/things/{id}", "get")).toEqual(["200", "404", "414", "431", "500", "503"]);
    expect(statuses("/things/{id}", "delete")).toEqual(["204", "401", "404", "414", "431", "500"]);
    expect(statuses("/healthz", "get")).toEqual(["200", ...everywhere]);
    expect(statuses("/readyz", "get")).toEqual(["200", ...everywhere, "503"].sort());
  });

  test("every error is problem+json, one Problem schema; 429 and 503 say when to retry", () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const op of Object.values(item)) {
        for (const [status, response] of Object.entries((op as Operation).responses)) {
          if (Number(status) < 400 || (path === "/readyz" && status === "503")) continue;
          expect(response.content).toEqual({
            "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } },
          });
        }
      }
    }
    expect(operation("/things", "post")?.responses["429"]).toHaveProperty("headers.Retry-After");
    expect(operation("/things/{id}", "get")?.responses["503"]).toHaveProperty(
      "headers.Retry-After",
    );
    expect(document.components.schemas.Problem).toMatchObject({
      required: ["type", "title", "status"],
      properties: { status: { type: "integer" } },
    });
  });

  test("bodies are JSON only; an optional body is not required; a 204 has no content", () => {
    const create = operation("/things", "post")?.requestBody as Record<string, unknown>;
    expect(create.required).toBe(true);
    expect(Object.keys(create.content as object)).toEqual(["application/json"]);
    expect(operation("/maybe", "post")?.requestBody).toMatchObject({ required: false });
    expect(operation("/things/{id}", "delete")?.responses["204"]).toEqual({ description: "Gone" });
  });

  test("success bodies: numbers as numbers, closed objects, no trust marks", () => {
    expect(operation("/plain", "get")?.responses["200"]?.content).toMatchObject({
      "application/json": {
        schema: {
          additionalProperties: false,
          properties: { id: { type: "string", format: "uuid" }, count: { type: "integer" } },
        },
      },
    });
    expect(JSON.stringify(document)).not.toContain("noValidate");
  });

  test("health and readiness are documented, public, and reached only directly", () => {
    expect(operation("/readyz", "get")?.security).toEqual([]);
    const readyz = operation("/readyz", "get")?.responses;
    expect(readyz?.["503"]?.content).toHaveProperty("application/json.schema.properties.checks");
    expect(document.servers).toEqual([
      { url: "http://127.0.0.1:4000", description: "This service, directly" },
      EDGE_SERVER,
    ]);
    for (const path of LOCAL_ONLY_PATHS) {
      expect(operation(path, "get")?.servers).toEqual([document.servers?.[0]]);
    }
    expect(operation("/plain", "get")?.servers).toBeUndefined();
    expect(Object.keys(document.paths)).toContain("/.well-known/keys.json");
    expect(Object.keys(document.paths).filter((p) => p.startsWith("/docs"))).toEqual([]);
  });

  test("the servers name the address the caller used", async () => {
    const other = await fetchDocument(app, "http://localhost:3999");
    expect(other.servers?.[0]?.url).toBe("http://localhost:3999");
  });

  test("a service with only local paths names only itself, and no unused security scheme", async () => {
    const opsOnly = await fetchDocument(demoApp(new Elysia()), "http://127.0.0.1:4001");
    expect(opsOnly.servers).toEqual([
      { url: "http://127.0.0.1:4001", description: "This service, directly" },
    ]);
    expect(opsOnly.paths["/healthz"]?.get).not.toHaveProperty("servers");
    expect(opsOnly.paths["/healthz"]?.get).toHaveProperty("security", []);
    expect(opsOnly.components.securitySchemes).toBeUndefined();
    expect(document.components.securitySchemes).toHaveProperty("bearer.scheme", "bearer");
  });

  test("does not change once routes have answered requests", async () => {
    for (const path of ["/plain", "/things/x", "/readyz"]) {
      await app.handle(new Request(`http://127.0.0.1:4000${path}`));
    }
    const again = demoApp(demoRoutes());
    expect(await fetchDocument(again, "http://127.0.0.1:4000")).toEqual(document);
  });

  test("withServers leaves the document it is given as it was", () => {
    const before = JSON.stringify(document);
    withServers(document, "http://elsewhere:1", LOCAL_ONLY_PATHS);
    expect(JSON.stringify(document)).toBe(before);
  });
});
