// B0: the floor. A bare Bun.serve answering a small JSON body, nothing else.
// Started by bench/run.ts as its own process: BENCH_PORT=<port> bun bench/baselines/b0.ts

const port = Number(process.env.BENCH_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error("BENCH_PORT must be set");

const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  fetch: () => Response.json({ status: "ok", service: "b0", version: 1 }),
});

process.once("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});

// A module, so its top-level names stay its own.
export {};
