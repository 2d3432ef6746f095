// B2: B1's select through Bun's built-in MySQL client, with the connection count the services'
// hot statements get by default (DATABASE_HOT_CONNECTIONS, docs/decisions/0021). B1 stays the
// yardstick the targets are judged against; B2 shows how far a bare server on the services' own
// client goes. Started by bench/baselines.ts as its own process:
//   BENCH_PORT=<port> BENCH_DATABASE_URL=mysql://... bun bench/baselines/b2.ts
// GET /users/<id> -> the row, 404 when there is none; GET /healthz -> ok once the client answers.
import { createHotSql } from "@hangout/platform/hot-sql";

const port = Number(process.env.BENCH_PORT);
const url = process.env.BENCH_DATABASE_URL;
if (!Number.isInteger(port) || port <= 0) throw new Error("BENCH_PORT must be set");
if (!url) throw new Error("BENCH_DATABASE_URL must be set");

const sql = createHotSql(url);
await sql.unsafe("SELECT 1");

const SQL = "SELECT id, email, name, created_at FROM users WHERE id = ?";
const PREFIX = "/users/";

const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/healthz") return Response.json({ status: "ok" });
    if (!pathname.startsWith(PREFIX)) return new Response("not found", { status: 404 });
    const [row] = await sql.unsafe(SQL, [pathname.slice(PREFIX.length)]);
    return row ? Response.json(row) : Response.json({ status: 404 }, { status: 404 });
  },
});

process.once("SIGTERM", async () => {
  server.stop(true);
  await sql.close();
  process.exit(0);
});
