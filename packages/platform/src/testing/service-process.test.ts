import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";
import { startServiceProcess } from "./service-process.ts";

// Stand-ins for a service's entry file: each does one thing a real service might.
const ENTRIES = {
  ready: `
    Bun.serve({ hostname: "127.0.0.1", port: Number(process.env.PORT), fetch: () => new Response("ok") });
    console.log("greeting=" + process.env.GREETING + " leak=" + (process.env.HANGOUT_TEST_LEAK ?? "none"));
    process.on("SIGTERM", () => { console.log("drained"); process.exit(0); });
  `,
  stubborn: `
    Bun.serve({ hostname: "127.0.0.1", port: Number(process.env.PORT), fetch: () => new Response("ok") });
    process.on("SIGTERM", () => console.log("ignoring SIGTERM"));
  `,
  crash: `
    console.error("boom: " + process.env.GREETING);
    process.exit(3);
  `,
  unready: `
    Bun.serve({ hostname: "127.0.0.1", port: Number(process.env.PORT), fetch: () => new Response("database down", { status: 503 }) });
  `,
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "service-process-"));
  for (const [name, source] of Object.entries(ENTRIES)) {
    await writeFile(join(dir, `${name}.ts`), source);
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const start = (entry: keyof typeof ENTRIES, options: { stopTimeoutMs?: number } = {}) => {
  const port = freePort();
  return startServiceProcess({
    name: entry,
    entry: join(dir, `${entry}.ts`),
    url: `http://127.0.0.1:${port}`,
    env: { PORT: String(port), GREETING: "hello" },
    readyTimeoutMs: 10_000,
    ...options,
  });
};

const answers = (url: string) =>
  fetch(`${url}/readyz`).then(
    () => true,
    () => false,
  );

describe("startServiceProcess", () => {
  test("resolves once /readyz answers 200; the child gets only the given environment", async () => {
    process.env.HANGOUT_TEST_LEAK = "yes";
    try {
      const child = await start("ready");
      expect(await answers(child.url)).toBe(true);
      expect(await child.stop()).toBe(0);
      expect(child.output()).toContain("greeting=hello leak=none");
      expect(child.output()).toContain("drained");
      expect(await answers(child.url)).toBe(false);
    } finally {
      delete process.env.HANGOUT_TEST_LEAK;
    }
  });

  test("a child that ignores SIGTERM is killed once the stop bound passes", async () => {
    const child = await start("stubborn", { stopTimeoutMs: 300 });
    const startedAt = Date.now();
    expect(await child.stop()).toBeNull();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    expect(child.output()).toContain("ignoring SIGTERM");
    expect(await answers(child.url)).toBe(false);
    // A second stop is the same stop.
    expect(await child.stop()).toBeNull();
  });

  test("a child that exits before it is ready fails the start with its code and output", async () => {
    const failure = await start("crash").catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain("exited with code 3 before it was ready");
    expect((failure as Error).message).toContain("boom: hello");
  });

  test("a child that is not ready in time is stopped and the start fails with its last answer", async () => {
    const port = freePort();
    const failure = await startServiceProcess({
      name: "unready",
      entry: join(dir, "unready.ts"),
      url: `http://127.0.0.1:${port}`,
      env: { PORT: String(port) },
      readyTimeoutMs: 500,
    }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain("was not ready within 500 ms");
    expect((failure as Error).message).toContain("503 database down");
    expect(await answers(`http://127.0.0.1:${port}`)).toBe(false);
  });
});
