import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { t } from "elysia";
import { commonConfigSchema, configSchema, loadConfig } from "./config.ts";
import { AppError } from "./errors.ts";
import { createHttpApp } from "./http-app.ts";
import { createPlatform } from "./platform.ts";
import { type HttpService, serveHttp } from "./serve.ts";

const lines: string[] = [];
let healthy = true;
let hang = false;
let service: HttpService;

beforeAll(() => {
  const config = loadConfig(configSchema(commonConfigSchema), { HTTP_BODY_LIMIT_BYTES: "2048" });
  const platform = createPlatform("demo", config, {
    logDestination: { write: (line: string) => void lines.push(line) },
  });
  const app = createHttpApp(platform, {
    version: "1.2.3",
    description: "demo",
    readiness: [
      {
        name: "upstream",
        check: async () => {
          if (hang) await new Promise(() => {});
          if (!healthy) throw new Error("connection refused");
        },
      },
    ],
  })
    .get("/boom", () => {
      throw new Error("pool exhausted on db-7.internal");
    })
    .get("/upstream-down", () => {
      throw new AppError("unavailable", "The file service is unavailable; try again", {
        cause: new Error("14 UNAVAILABLE: No connection established"),
        retryAfterSeconds: 5,
      });
    })
    .get("/teapot", () => {
      throw new AppError("conflict", "Already done");
    })
    .get("/items/:id", ({ params }) => ({ id: params.id }))
    .post("/echo", ({ body }) => body, {
      body: t.Object({ name: t.String({ minLength: 2 }), age: t.Integer({ minimum: 0 }) }),
    })
    .post("/place", ({ body }) => body, {
      body: t.Object({
        place: t.Union([
          t.Object({ name: t.String({ minLength: 1 }), lat: t.Number({ maximum: 90 }) }),
          t.Null(),
        ]),
      }),
    });
  service = serveHttp(platform, app, { hostname: "127.0.0.1", port: 0, handleSignals: false });
});
afterAll(() => service.shutdown());

const get = (path: string, init?: RequestInit) => fetch(`${service.url}${path}`, init);
const post = (path: string, body: string | ReadableStream) =>
  fetch(`${service.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });

describe("base HTTP app", () => {
  test("unknown routes are 404 problem+json", async () => {
    const response = await get("/nope");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  test("an unexpected error is 500 without internals, and is logged with the trace id", async () => {
    const response = await get("/boom");
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain("db-7");
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "unhandled error");
    expect(logged.err.message).toContain("db-7");
    expect(logged.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(logged.requestId).toBe(response.headers.get("x-request-id"));
  });

  test("a dependency that is down is 503 with Retry-After, logged once at warn without a stack", async () => {
    const response = await get("/upstream-down");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    const logged = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === "The file service is unavailable; try again");
    expect(logged).toHaveLength(1);
    expect(logged[0].level).toBe("warn");
    expect(logged[0].cause).toBe("14 UNAVAILABLE: No connection established");
    expect(JSON.stringify(logged[0])).not.toContain("    at ");
  });

  test("AppErrors keep their status and detail", async () => {
    const response = await get("/teapot");
    expect(response.status).toBe(409);
    expect(((await response.json()) as { detail: string }).detail).toBe("Already done");
  });

  test("validation: 422 with every field path, no submitted values", async () => {
    const response = await post("/echo", JSON.stringify({ name: "Z", age: "Q-unique-value" }));
    expect(response.status).toBe(422);
    const text = await response.text();
    expect(text).not.toContain("Q-unique-value");
    const body = JSON.parse(text) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path).sort()).toEqual(["/age", "/name"]);
  });

  test("validation: an error inside a nullable object names the field, not the union", async () => {
    const response = await post("/place", JSON.stringify({ place: { name: "", lat: 91 } }));
    expect(response.status).toBe(422);
    const body = (await response.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path).sort()).toEqual(["/place/lat", "/place/name"]);
    // A value that fits no variant at all stays an error of the union itself.
    const wrongType = (await (await post("/place", JSON.stringify({ place: 7 }))).json()) as {
      errors: { path: string }[];
    };
    expect(wrongType.errors.map((e) => e.path)).toEqual(["/place"]);
  });

  test("malformed JSON is 400", async () => {
    expect((await post("/echo", "{nope")).status).toBe(400);
  });

  test("bodies over the limit are 413, declared or chunked", async () => {
    const big = JSON.stringify({ name: "x".repeat(4096), age: 1 });
    expect((await post("/echo", big)).status).toBe(413);
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode(" ".repeat(512)));
        controller.close();
      },
    });
    const response = await post("/echo", chunked);
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const small = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify({ name: "ok", age: 3 })));
        controller.close();
      },
    });
    expect(await (await post("/echo", small)).json()).toEqual({ name: "ok", age: 3 });
  });

  test("request ids: a sane incoming id is kept, anything else replaced", async () => {
    const kept = await get("/healthz", { headers: { "x-request-id": "edge-123" } });
    expect(kept.headers.get("x-request-id")).toBe("edge-123");
    const replaced = await get("/healthz", { headers: { "x-request-id": "bad id\twith spaces" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("/healthz is 200; /readyz reflects its checks", async () => {
    expect(await (await get("/healthz")).json()).toEqual({ status: "ok" });
    const ready = await get("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { upstream: "ok" } });
    healthy = false;
    const down = await get("/readyz");
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      status: "not_ready",
      checks: { upstream: "failed: connection refused" },
    });
    healthy = true;
  });

  test("/readyz bounds a hung check", async () => {
    hang = true;
    try {
      const response = await get("/readyz");
      expect(response.status).toBe(503);
      expect(((await response.json()) as { checks: { upstream: string } }).checks.upstream).toBe(
        "failed: timed out",
      );
    } finally {
      hang = false;
    }
  });

  test("/metrics counts requests by route template, not raw path", async () => {
    await get("/items/1");
    await get("/items/2");
    await get("/random/path/123");
    const response = await get("/metrics");
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/items\/:id",status="200",service="demo"\} 2/,
    );
    expect(text).toContain('route="unmatched"');
    expect(text).not.toContain("/random/path");
    expect(text).toContain("http_request_duration_seconds_bucket");
    expect(text).toContain("process_resident_memory_bytes");
  });

  test("the docs page loads only local assets, and they are served", async () => {
    const html = await (await get("/docs")).text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      expect(asset).toStartWith("/docs/assets/");
      const response = await get(asset);
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
    const spec = (await (await get("/docs/json")).json()) as {
      openapi: string;
      paths: object;
      info: object;
    };
    expect(spec.openapi).toStartWith("3.");
    expect(spec.info).toMatchObject({ title: "demo API", version: "1.2.3" });
    expect(Object.keys(spec.paths)).toContain("/echo");
  });
});
