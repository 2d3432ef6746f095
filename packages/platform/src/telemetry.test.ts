import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startOtlpReceiver } from "./testing/otlp-receiver.ts";

// The tracer provider is one per process and reads the OTEL_* variables when it is built, so
// each case runs telemetry.fixture.ts as its own process, with its own variables, exporting to
// a real OTLP receiver on loopback.

type Receiver = ReturnType<typeof startOtlpReceiver>;

async function withFixture(
  env: Record<string, string>,
  run: (fixture: {
    receiver: Receiver;
    trace: { traceId: string; sampled: boolean };
    /** Closes the fixture's stdin: it shuts telemetry down and exits; resolves to its exit code. */
    shutdown: () => Promise<number>;
  }) => Promise<void>,
) {
  const receiver = startOtlpReceiver();
  const child = Bun.spawn(["bun", join(import.meta.dir, "telemetry.fixture.ts")], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...env },
  });
  try {
    let output = "";
    for await (const chunk of child.stdout) {
      output += new TextDecoder().decode(chunk);
      if (output.includes("\n")) break;
    }
    if (!output.includes("\n")) throw new Error(await new Response(child.stderr).text());
    const shutdown = async () => {
      await child.stdin.end();
      return child.exited;
    };
    await run({ receiver, trace: JSON.parse(output.split("\n")[0]!), shutdown });
  } finally {
    child.kill();
    receiver.stop();
  }
}

/** Polls until `ready()` holds or `ms` pass; returns whether it held. */
async function waitFor(ready: () => boolean, ms: number) {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await Bun.sleep(25)) {
    if (ready()) return true;
  }
  return ready();
}

// What the SDK's BatchSpanProcessor waits by default before sending a batch that is not full.
const SDK_DEFAULT_DELAY_MS = 5_000;

describe("the configured tracer provider", () => {
  test("exports over OTLP/HTTP protobuf through the SDK's exporter, after OTEL_BSP_SCHEDULE_DELAY", async () => {
    await withFixture({ OTEL_BSP_SCHEDULE_DELAY: "100" }, async ({ receiver, trace, shutdown }) => {
      expect(trace.sampled).toBe(true);
      // Well before the SDK's default delay: the variable took effect.
      expect(await waitFor(() => receiver.spans.length === 1, SDK_DEFAULT_DELAY_MS / 2)).toBe(true);
      expect(receiver.spans[0]).toMatchObject({
        traceId: trace.traceId,
        name: "fixture-root",
        kind: 1, // INTERNAL
        service: "telemetry-fixture",
      });
      expect(receiver.userAgents()).toEqual([
        expect.stringMatching(/^OTel-OTLP-Exporter-JavaScript\/0\.\d+\.\d+$/),
      ]);
      expect(await shutdown()).toBe(0);
      expect(receiver.requests()).toBe(1);
    });
  }, 30_000);

  test("a long OTEL_BSP_SCHEDULE_DELAY holds spans until a batch of OTEL_BSP_MAX_EXPORT_BATCH_SIZE fills or shutdown flushes", async () => {
    const env = {
      OTEL_BSP_SCHEDULE_DELAY: "60000",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "2",
      SPANS: "5",
    };
    await withFixture(env, async ({ receiver, trace, shutdown }) => {
      // Two full batches go at once; the fifth span waits for the delay.
      expect(await waitFor(() => receiver.spans.length === 4, SDK_DEFAULT_DELAY_MS)).toBe(true);
      await Bun.sleep(500);
      expect(receiver.spans).toHaveLength(4);
      expect(receiver.requests()).toBe(2);
      expect(await shutdown()).toBe(0);
      expect(receiver.spans).toHaveLength(5);
      expect(receiver.requests()).toBe(3);
      expect(new Set(receiver.spans.map((span) => span.traceId))).toEqual(new Set([trace.traceId]));
    });
  }, 30_000);

  test("OTEL_TRACES_SAMPLER(_ARG) decide what is exported; an unsampled span still has a trace id for the logs", async () => {
    const env = {
      OTEL_TRACES_SAMPLER: "traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    };
    await withFixture(env, async ({ receiver, trace, shutdown }) => {
      expect(trace.sampled).toBe(false);
      expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(trace.traceId).not.toBe("0".repeat(32));
      expect(await shutdown()).toBe(0);
      expect(receiver.requests()).toBe(0);
    });
  }, 30_000);
});
