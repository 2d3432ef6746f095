// B1: the ceiling for a handler that needs the database. A bare Bun.serve doing ONE prepared
// select by primary key through a mysql2/promise pool of 10 (the same `createPool` the auth
// service uses, so pool options match) and returning the row as JSON. No framework, no
// telemetry, no logging. Started by bench/run.ts as its own process:
//   BENCH_PORT=<port> BENCH_DATABASE_URL=mysql://... bun bench/baselines/b1.ts
// GET /users/<id> -> the row, 404 when there is none; GET /healthz -> ok once the pool answers.
import { createPool } from "@hangout/platform/db";

const port = Number(process.env.BENCH_PORT);
const url = process.env.BENCH_DATABASE_URL;
if (!Number.isInteger(port) || port <= 0) throw new Error("BENCH_PORT must be set");
if (!url) throw new Error("BENCH_DATABASE_URL must be set");

const pool = createPool(url, { connectionLimit: 10 });
await pool.query("SELECT 1");

const SQL = "SELECT id, email, name, created_at FROM users WHERE id = ?";
const PREFIX = "/users/";

const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/healthz") return Response.json({ status: "ok" });
    if (!pathname.startsWith(PREFIX)) return new Response("not found", { status: 404 });
    const [rows] = await pool.execute(SQL, [pathname.slice(PREFIX.length)]);
    const row = (rows as Record<string, unknown>[])[0];
    return row ? Response.json(row) : Response.json({ status: 404 }, { status: 404 });
  },
});

process.once("SIGTERM", async () => {
  server.stop(true);
  await pool.end();
  process.exit(0);
});
