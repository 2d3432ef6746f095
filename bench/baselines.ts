// The baselines every HTTP section measures against, each its own process (baselines/*.ts).
import { join } from "node:path";
import { freePort } from "@hangout/platform/testing/ports";
import { type Child, json, spawnChild, stopChild, waitReady } from "./common.ts";
import { measure, type Row } from "./wrk.ts";

const BASELINES = join(import.meta.dir, "baselines");

/** B0, a bare `Bun.serve` JSON answer: measured alone, then stopped before anything else loads. */
export async function measureB0(logDir: string): Promise<Row> {
  const port = freePort();
  const b0 = spawnChild(
    "b0",
    ["bun", join(BASELINES, "b0.ts")],
    { BENCH_PORT: String(port) },
    logDir,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(b0, `${url}/healthz`);
  const row = await measure("B0", { url: `${url}/`, connections: 32, pid: b0.proc.pid });
  await stopChild(b0);
  return row;
}

/**
 * B1, a bare `Bun.serve` doing one prepared mysql2 select by primary key, or B2, the same select
 * on Bun's client (`baseline: "b2"`), started and checked against `userId` in `databaseUrl`'s
 * users table; `url` is the URL to load.
 */
export async function startB1(
  logDir: string,
  databaseUrl: string,
  userId: string,
  baseline: "b1" | "b2" = "b1",
): Promise<{ child: Child; url: string }> {
  const port = freePort();
  const child = spawnChild(
    baseline,
    ["bun", join(BASELINES, "b1.ts")],
    {
      BENCH_PORT: String(port),
      BENCH_DATABASE_URL: databaseUrl,
      ...(baseline === "b2" ? { BENCH_CLIENT: "bun" } : {}),
    },
    logDir,
  );
  const base = `http://127.0.0.1:${port}`;
  await waitReady(child, `${base}/healthz`);
  const url = `${base}/users/${userId}`;
  await json(await fetch(url), 200, `${baseline.toUpperCase()} GET /users/:id`);
  return { child, url };
}
