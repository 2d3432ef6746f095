// B1: the ceiling for a handler that needs the database. A bare Bun.serve doing ONE prepared
// select by primary key through a mysql2/promise pool of 10 (the same `createPool` the auth
// service uses, so pool options match) and returning the row as JSON. No framework, no
// telemetry, no logging. With BENCH_CLIENT=bun it is B2: the same select through Bun's built-in
// client with the services' default connections (`createHotSql`, docs/decisions/0021), shown
// beside B1 but not judged. Started by bench/baselines.ts as its own process:
//   BENCH_PORT=<port> BENCH_DATABASE_URL=mysql://... [BENCH_CLIENT=bun] bun bench/baselines/b1.ts
// GET /users/<id> -> the row, 404 when there is none; GET /healthz -> ok once the pool answers.
import { createPool } from "@hangout/platform/db";
import { createHotSql } from "@hangout/platform/hot-sql";

const port = Number(process.env.BENCH_PORT);
const url = process.env.BENCH_DATABASE_URL;
if (!Number.isInteger(port) || port <= 0) throw new Error("BENCH_PORT must be set");
if (!url) throw new Error("BENCH_DATABASE_URL must be set");

const SQL = "SELECT id, email, name, created_at FROM users WHERE id = ?";
const PREFIX = "/users/";

// One of the two, chosen once; the handler awaits the driver itself, as a bare server would.
const bun = process.env.BENCH_CLIENT === "bun";
const pool = bun ? undefined : createPool(url, { connectionLimit: 10 });
const sql = bun ? createHotSql(url) : undefined;
await (sql ? sql.unsafe("SELECT 1") : pool?.query("SELECT 1"));

type Row = Record<string, unknown>;

const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/healthz") return Response.json({ status: "ok" });
    if (!pathname.startsWith(PREFIX)) return new Response("not found", { status: 404 });
    const id = pathname.slice(PREFIX.length);
    const row: Row | undefined = sql
      ? (await sql.unsafe(SQL, [id]))[0]
      : ((await (pool as NonNullable<typeof pool>).execute(SQL, [id]))[0] as Row[])[0];
    return row ? Response.json(row) : Response.json({ status: 404 }, { status: 404 });
  },
});

process.once("SIGTERM", async () => {
  server.stop(true);
  await (sql ? sql.close() : pool?.end());
  process.exit(0);
});
