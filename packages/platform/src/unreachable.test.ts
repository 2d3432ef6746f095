import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/mysql2";
import { commonConfigSchema, configSchema, loadConfig } from "./config.ts";
import { createPool } from "./db.ts";
import { createHotSql, type HotSql, hotRows } from "./hot-sql.ts";
import { createHttpApp } from "./http-app.ts";
import { createPlatform } from "./platform.ts";
import { type HttpService, serveHttp } from "./serve.ts";
import { createTestDatabase, type TestDatabase } from "./testing/database.ts";
import { freePort } from "./testing/ports.ts";
import { isUnreachable } from "./unreachable.ts";

// The real drivers against a port nothing listens on (the database is down) and against the real
// server refusing a statement (the request is wrong): only the first is a dependency outage.

const dead = `mysql://hangout:hangout@127.0.0.1:${freePort()}/gone`;
const failure = async (work: () => Promise<unknown>) => {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected the statement to fail");
};

let database: TestDatabase;
let livePool: ReturnType<typeof createPool>;
let liveHot: HotSql;
const deadPool = createPool(dead);
const deadHot = createHotSql(dead, { connections: 1 });

beforeAll(async () => {
  database = await createTestDatabase();
  livePool = createPool(database.url);
  liveHot = createHotSql(database.url, { connections: 1 });
  await livePool.query("CREATE TABLE t (id INT PRIMARY KEY)");
  await livePool.query("INSERT INTO t VALUES (1)");
});

afterAll(async () => {
  await Promise.all([deadPool.end(), deadHot.close(), livePool.end(), liveHot.close()]);
  await database.drop();
});

describe("isUnreachable", () => {
  test("a database that is down, through mysql2, Drizzle and Bun's client", async () => {
    expect(isUnreachable(await failure(() => deadPool.query("SELECT 1")))).toBe(true);
    expect(isUnreachable(await failure(() => drizzle(deadPool).execute(sql`SELECT 1`)))).toBe(true);
    expect(isUnreachable(await failure(() => hotRows(deadHot, "SELECT 1", [])))).toBe(true);
  });

  test("a statement the server refuses is not an outage", async () => {
    const duplicate = "INSERT INTO t VALUES (1)";
    expect(isUnreachable(await failure(() => livePool.query(duplicate)))).toBe(false);
    expect(isUnreachable(await failure(() => hotRows(liveHot, duplicate, [])))).toBe(false);
    expect(isUnreachable(await failure(() => livePool.query("SELEC 1")))).toBe(false);
    const denied = createPool(database.url.replace("hangout:hangout@", "hangout:wrong@"));
    try {
      expect(isUnreachable(await failure(() => denied.query("SELECT 1")))).toBe(false);
    } finally {
      await denied.end();
    }
    expect(isUnreachable(new Error("a bug"))).toBe(false);
  });

  test("a server out of connections or shutting down, as mysql2 and Bun's client name it", () => {
    // The server's refusals cannot be provoked here without starving the shared test server; these
    // are the shapes the two clients give them (mysql2 a name, Bun one code and the errno).
    const bun = (errno: number) =>
      Object.assign(new Error("x"), { code: "ERR_MYSQL_SERVER_ERROR", errno });
    const mysql2 = (code: string) => Object.assign(new Error("x"), { code });
    for (const error of [
      mysql2("ER_CON_COUNT_ERROR"),
      bun(1040),
      mysql2("ER_SERVER_SHUTDOWN"),
      bun(1053),
    ]) {
      expect(isUnreachable(new Error("wrapped", { cause: error }))).toBe(true);
    }
    expect(isUnreachable(bun(1062))).toBe(false);
  });
});

describe("a route whose database is down", () => {
  const lines: Record<string, unknown>[] = [];
  let service: HttpService;
  beforeAll(() => {
    const config = loadConfig(configSchema(commonConfigSchema), {});
    const platform = createPlatform("demo", config, {
      logDestination: { write: (line: string) => void lines.push(JSON.parse(line)) },
    });
    const app = createHttpApp(platform, { version: "1", description: "demo", readiness: [] })
      .get("/pool", async () => (await deadPool.query("SELECT 1"))[0])
      .get("/hot", () => hotRows(deadHot, "SELECT 1", []));
    service = serveHttp(platform, app, { hostname: "127.0.0.1", port: 0, handleSignals: false });
  });
  afterAll(() => service.shutdown());

  for (const path of ["/pool", "/hot"]) {
    test(`answers 503 with Retry-After, naming no host, logged once at warn (${path})`, async () => {
      lines.length = 0;
      const response = await fetch(`${service.url}${path}`);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const body = await response.text();
      expect(JSON.parse(body)).toMatchObject({
        type: "https://hangout-planner.dev/problems/unavailable",
        status: 503,
        detail: "A service this one depends on is unreachable; try again shortly",
      });
      expect(body).not.toContain("127.0.0.1");
      const logged = lines.filter((line) => line.msg === JSON.parse(body).detail);
      expect(logged).toHaveLength(1);
      expect(logged[0]?.level).toBe("warn");
      expect(String(logged[0]?.cause)).not.toBe("undefined");
      expect(lines.some((line) => line.level === "error")).toBe(false);
    });
  }
});
