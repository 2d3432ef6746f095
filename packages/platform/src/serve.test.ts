import { describe, expect, test } from "bun:test";

const fixture = new URL("./testing/fixtures/slow-service.ts", import.meta.url).pathname;

async function startFixture() {
  const child = Bun.spawn(["bun", fixture], {
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, LOG_LEVEL: "debug" },
  });
  const reader = child.stdout.getReader();
  let out = "";
  while (!out.includes("listening")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("fixture exited early");
    out += new TextDecoder().decode(value);
  }
  const url = JSON.parse(out.split("\n").find((l) => l.includes("listening"))!).url as string;
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return out;
      out += new TextDecoder().decode(value);
    }
  })();
  const waitFor = async (message: string) => {
    for (let i = 0; i < 200 && !out.includes(`"msg":"${message}"`); i++) await Bun.sleep(10);
  };
  return { child, url, output: () => rest, waitFor };
}

describe("graceful shutdown", () => {
  test("SIGTERM drains an in-flight request, refuses new ones, closes resources, exits 0", async () => {
    const { child, url, output, waitFor } = await startFixture();
    const inFlight = fetch(`${url}/slow`);
    await waitFor("slow started");
    child.kill("SIGTERM");
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });

    expect(await child.exited).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    const messages = (await output())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).msg as string);
    const order = ["draining", "request", "closed resource", "stopped"].map((m) =>
      messages.indexOf(m),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  test("a handler whose client went away still finishes before resources close", async () => {
    const { child, url, output, waitFor } = await startFixture();
    const client = new AbortController();
    const abandoned = fetch(`${url}/slow`, { signal: client.signal }).catch(
      (error: Error) => error,
    );
    await waitFor("slow started");
    client.abort();
    expect(await abandoned).toBeInstanceOf(Error);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    const messages = (await output())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).msg as string);
    const finished = messages.indexOf("slow finished");
    expect(finished).toBeGreaterThanOrEqual(0);
    expect(finished).toBeLessThan(messages.indexOf("closed resource"));
  });

  test("a request longer than the drain timeout is cut off and the process still exits", async () => {
    const child = Bun.spawn(["bun", fixture], {
      stdout: "pipe",
      env: { ...process.env, SLOW_MS: "10000", SHUTDOWN_TIMEOUT_MS: "300" },
    });
    const reader = child.stdout.getReader();
    let out = "";
    while (!out.includes("listening")) out += new TextDecoder().decode((await reader.read()).value);
    const url = JSON.parse(out.split("\n").find((l) => l.includes("listening"))!).url as string;
    const inFlight = fetch(`${url}/slow`).catch((error: Error) => error);
    await Bun.sleep(200);
    const started = performance.now();
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await inFlight).toBeInstanceOf(Error);
  });
});
