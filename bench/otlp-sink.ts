// A throwaway OTLP/HTTP receiver for the auth service's spans under load: reads each body and
// answers 200 `{}`, keeping only counters. It runs as its own process so that accepting spans
// never competes with the bench driver's event loop. GET /stats -> { requests, bytes }.
//   BENCH_PORT=<port> bun bench/otlp-sink.ts

const port = Number(process.env.BENCH_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error("BENCH_PORT must be set");

let requests = 0;
let bytes = 0;

const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  maxRequestBodySize: 256 * 1024 * 1024,
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/stats")
      return Response.json({ requests, bytes });
    if (request.method === "GET" && pathname === "/healthz") return Response.json({ status: "ok" });
    bytes += (await request.arrayBuffer()).byteLength;
    requests += 1;
    return Response.json({});
  },
});

process.once("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});

// A module, so its top-level names stay its own.
export {};
