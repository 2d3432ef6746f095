import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import {
  certificateConfigSchema,
  commonConfigSchema,
  configSchema,
  env,
  loadConfig,
} from "../config.ts";
import { createTestDatabase, type TestDatabase } from "../testing/database.ts";
import { type CertificateNeed, defineService } from "./definition.ts";
import { type RunningService, startService } from "./start.ts";

// The skeleton with a definition of its own: what it builds, in which order, and what it closes.

const schema = configSchema({
  ...commonConfigSchema,
  ...certificateConfigSchema,
  DEMO_DATABASE_URL: env.url(),
});
const loadDemoConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(schema, source);
type DemoConfig = ReturnType<typeof loadDemoConfig>;

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

/** A definition whose parts record what happens to them, in order. */
function demo(events: string[], certificates: CertificateNeed = "optional") {
  return defineService<DemoConfig, { greeting: string }, CertificateNeed>({
    name: "demo",
    description: "A service made only for this test.",
    loadConfig: loadDemoConfig,
    http: () => ({ hostname: "127.0.0.1", port: 0 }),
    databaseUrl: (config) => config.DEMO_DATABASE_URL,
    certificates,
    build({ pool, hot, platform, clock }) {
      events.push(`build at ${clock().toISOString()}`);
      platform.lifecycle.onClose("demo-resource", () => void events.push("resource closed"));
      return {
        deps: { greeting: "hello" },
        routes: [
          new Elysia().get("/hello", async () => {
            const [rows] = await pool.query("SELECT 41 + 1 AS answer");
            return { answer: (rows as { answer: number }[])[0]?.answer };
          }),
          new Elysia().get("/hot", async () => {
            const [row] = await hot.unsafe("SELECT ? + 1 AS answer", [41]);
            return { answer: Number(row.answer) };
          }),
        ],
        readiness: [{ name: "demo-dependency", check: async () => {} }],
        grpc: { port: 0, allowedCallers: ["nobody"], register: () => events.push("grpc") },
        prepare: async () => void events.push("prepare"),
        tasks: [
          {
            name: "demo-task",
            intervalSeconds: 0.02,
            run: async () => {
              if (!events.includes("task ran")) events.push("task ran");
            },
          },
        ],
      };
    },
  });
}

describe("startService", () => {
  const events: string[] = [];
  const lines: string[] = [];
  let service: RunningService<DemoConfig, { greeting: string }>;
  const fixed = new Date("2030-05-06T07:08:09.000Z");

  beforeAll(async () => {
    const config = loadDemoConfig({
      DEMO_DATABASE_URL: database.url,
      LOG_LEVEL: "info",
      DATABASE_HOT_CONNECTIONS: "2",
    });
    service = await startService(demo(events), config, {
      clock: () => fixed,
      logDestination: { write: (line: string) => void lines.push(line) },
      httpPort: 0,
      handleSignals: false,
    });
  });

  test("serves the routes through the pipeline, with the service's pool and clock", async () => {
    const response = await fetch(`${service.url}/hello`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(await response.json()).toEqual({ answer: 42 });
    expect(events[0]).toBe(`build at ${fixed.toISOString()}`);
    expect(service.deps).toEqual({ greeting: "hello" });
    expect(await (await fetch(`${service.url}/hot`)).json()).toEqual({ answer: 42 });
    // The hot statements' client is sized by DATABASE_HOT_CONNECTIONS, 4 when unset.
    expect(service.hot.options.max).toBe(2);
    expect(loadDemoConfig({ DEMO_DATABASE_URL: database.url }).DATABASE_HOT_CONNECTIONS).toBe(4);
  });

  test("readiness covers the database and the service's own checks", async () => {
    const response = await fetch(`${service.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ready",
      checks: { database: "ok", "demo-dependency": "ok" },
    });
  });

  test("without a CA an optional certificate leaves gRPC off, and prepare and tasks still run", async () => {
    expect(service.certificates).toBeUndefined();
    expect(service.grpcPort).toBeUndefined();
    expect(events).not.toContain("grpc");
    expect(events).toContain("prepare");
    for (let i = 0; i < 100 && !events.includes("task ran"); i++) await Bun.sleep(10);
    expect(events).toContain("task ran");
    expect(lines.join("")).toContain("the gRPC server is off");
  });

  test("shutdown drains, then closes in reverse: the service's resources before the pool", async () => {
    await service.shutdown("test finished");
    expect(events.at(-1)).toBe("resource closed");
    await expect(service.pool.query("SELECT 1")).rejects.toThrow();
    await expect(service.hot.unsafe("SELECT 1")).rejects.toThrow();
    await expect(fetch(`${service.url}/hello`)).rejects.toThrow();
    const messages = lines.map((line) => JSON.parse(line).msg);
    expect(messages.indexOf("draining")).toBeLessThan(messages.indexOf("stopped"));
  });
});

test("a service that needs its certificate refuses to start without a CA, naming the fix", async () => {
  const config = loadDemoConfig({ DEMO_DATABASE_URL: database.url, LOG_LEVEL: "silent" });
  const events: string[] = [];
  await expect(
    startService(demo(events, "required"), config, { httpPort: 0, handleSignals: false }),
  ).rejects.toThrow("demo needs its mTLS certificate: set STEP_CA_URL or LOCAL_CA_DIR");
  expect(events).toEqual([]);
});

test("a service without a database gets no pools, and its readiness has no database check", async () => {
  const config = loadDemoConfig({ DEMO_DATABASE_URL: database.url, LOG_LEVEL: "silent" });
  const pools: unknown[] = [];
  const worker = defineService({
    name: "worker",
    description: "A worker made only for this test.",
    loadConfig: loadDemoConfig,
    http: () => ({ hostname: "127.0.0.1", port: 0 }),
    database: "none",
    certificates: "optional",
    build({ pool, hot }) {
      pools.push(pool, hot);
      return { deps: {}, routes: [], readiness: [{ name: "queue", check: async () => {} }] };
    },
  });
  const service = await startService(worker, config, { httpPort: 0, handleSignals: false });
  try {
    expect(pools).toEqual([undefined, undefined]);
    expect(service.pool).toBeUndefined();
    expect(service.hot).toBeUndefined();
    const response = await fetch(`${service.url}/readyz`);
    expect(await response.json()).toEqual({ status: "ready", checks: { queue: "ok" } });
  } finally {
    await service.shutdown("test finished");
  }
});
