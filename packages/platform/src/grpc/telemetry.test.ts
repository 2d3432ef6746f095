import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Status } from "nice-grpc";
import { type ReceivedSpan, startOtlpReceiver } from "../testing/otlp-receiver.ts";
import type { EchoResponse } from "./echo-service.ts";
import { useLocalCa } from "./local-ca.fixture.ts";

// Real grpc-js over mTLS on loopback with certificates from the local CA (same chain and
// identity rules as step-ca), spans exported over OTLP/HTTP to a real receiver.
const ca = useLocalCa([]);

describe("gRPC tracing", () => {
  let receiver: ReturnType<typeof startOtlpReceiver>;
  type Outcome = { traceId: string; spanId: string; result?: EchoResponse; code?: Status };
  let outcome: { ok: Outcome; invalid: Outcome; denied: Outcome };

  beforeAll(async () => {
    receiver = startOtlpReceiver();
    // A child process: the tracer provider is one per process, and this one must export to the
    // receiver whatever other test files registered before.
    const child = Bun.spawn(["bun", join(import.meta.dir, "traced-calls.fixture.ts")], {
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, CA_DIR: ca.dir, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    if (exitCode !== 0) throw new Error(`fixture exited with ${exitCode}: ${stderr}`);
    outcome = JSON.parse(stdout.trim().split("\n").at(-1)!);
  }, 60_000);

  afterAll(() => receiver?.stop());

  const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
  const only = (spans: ReceivedSpan[], kind: number, name: string) => {
    const found = spans.filter((s) => s.kind === kind && s.name === name);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const SERVER = 2;
  const CLIENT = 3;

  test("HTTP-like parent → client span → server span → handler span, one trace", () => {
    const { traceId, spanId, result } = outcome.ok;
    expect(result?.text).toBe("hello");
    const spans = spansOf(traceId);
    const client = only(spans, CLIENT, "test.v1.Echo/Echo");
    const server = only(spans, SERVER, "test.v1.Echo/Echo");
    const work = spans.find((s) => s.name === "echo.work")!;
    expect(client.parentSpanId).toBe(spanId);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(work.parentSpanId).toBe(server.spanId);
    // The handler saw its own span active after an await: the context held across the hop.
    expect(result?.traceId).toBe(traceId);
    expect(result?.spanId).toBe(work.spanId);
    expect(server.attributes).toMatchObject({
      "rpc.system": "grpc",
      "rpc.service": "test.v1.Echo",
      "rpc.method": "Echo",
      "rpc.grpc.status_code": 0,
      "peer.service": "hangout",
    });
    expect(client.attributes).toMatchObject({ "rpc.grpc.status_code": 0 });
    expect(server.service).toBe("grpc-fixture");
  });

  test("a handler's error code is on both spans of its trace", () => {
    const { traceId, spanId, code } = outcome.invalid;
    expect(code).toBe(Status.INVALID_ARGUMENT);
    const spans = spansOf(traceId);
    const client = only(spans, CLIENT, "test.v1.Echo/Echo");
    const server = only(spans, SERVER, "test.v1.Echo/Echo");
    expect(client.parentSpanId).toBe(spanId);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(client.attributes["rpc.grpc.status_code"]).toBe(Status.INVALID_ARGUMENT);
    expect(server.attributes["rpc.grpc.status_code"]).toBe(Status.INVALID_ARGUMENT);
  });

  test("a refused caller still gets a server span, in its trace, naming it", () => {
    const { traceId, spanId, code } = outcome.denied;

    expect(code).toBe(Status.PERMISSION_DENIED);
    const spans = spansOf(traceId);
    const client = only(spans, CLIENT, "test.v1.Echo/Echo");
    const server = only(spans, SERVER, "test.v1.Echo/Echo");
    expect(client.parentSpanId).toBe(spanId);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(server.attributes).toMatchObject({
      "rpc.grpc.status_code": Status.PERMISSION_DENIED,
      "peer.service": "auth",
    });
    expect(spans.some((s) => s.name === "echo.work")).toBe(false); // the handler never ran
  });
});
