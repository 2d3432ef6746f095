import { describe, expect, test } from "bun:test";
import { context, trace } from "@opentelemetry/api";
import { createLogger } from "./logger.ts";
import { withRequestState } from "./request-context.ts";
import { initTelemetry } from "./telemetry.ts";

const capture = () => {
  const lines: string[] = [];
  const logger = createLogger({
    service: "test",
    level: "debug",
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, lines, last: () => JSON.parse(lines.at(-1)!) };
};

describe("logger", () => {
  test("JSON lines with service, level name and ISO time", () => {
    const { logger, last } = capture();
    logger.info("hello");
    expect(last()).toMatchObject({ service: "test", level: "info", msg: "hello" });
    expect(new Date(last().time).toISOString()).toBe(last().time);
  });

  test("redacts secrets at the top level and in request, body, input and error objects", () => {
    const { logger, lines } = capture();
    logger.info(
      {
        password: "p1",
        body: { password: "p2", refreshToken: "r1" },
        input: { accessToken: "a1" },
        req: {
          headers: { authorization: "Bearer t1", cookie: "refresh_token=c1", "set-cookie": "s1" },
        },
        headers: { authorization: "Bearer t3" },
        token: "t2",
        keep: "visible",
      },
      "request",
    );
    const text = lines.join("");
    for (const secret of [
      "p1",
      "p2",
      "r1",
      "a1",
      "Bearer t1",
      "Bearer t3",
      "refresh_token=c1",
      "s1",
      '"t2"',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("visible");
    expect(text).toContain("[redacted]");
  });

  test("adds the request id and the active trace and span ids", () => {
    initTelemetry({ service: "test" });
    const { logger, last } = capture();
    const span = trace.getTracer("t").startSpan("work");
    const ctx = withRequestState(trace.setSpan(context.active(), span), {
      requestId: "req-1",
      clientAddress: () => undefined,
    });
    context.with(ctx, () => logger.info("inside"));
    span.end();
    expect(last()).toMatchObject({
      requestId: "req-1",
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
    });
    logger.info("outside");
    expect(last().requestId).toBeUndefined();
  });
});

describe("logger at exit", () => {
  test("the line logged just before flush and process.exit reaches stdout, every time", async () => {
    // With an asynchronous destination whose flush does not wait, about 1 run in 20 lost it.
    const fixture = new URL("./testing/fixtures/last-line.ts", import.meta.url).pathname;
    const runs = Array.from({ length: 40 }, () =>
      Bun.spawn(["bun", fixture], { stdout: "pipe", stderr: "inherit" }),
    );
    const outputs = await Promise.all(runs.map((run) => new Response(run.stdout).text()));
    const lost = outputs.filter((output) => !output.includes('"msg":"stopped"')).length;
    expect(lost).toBe(0);
  }, 60_000);
});
