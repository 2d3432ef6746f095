import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata, Status } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { Registry } from "prom-client";
import { bootstrapCa } from "../../../../step-ca/bootstrap.ts";
import { CertificateManager } from "../certificates/certificate-manager.ts";
import { localCaIssuer } from "../certificates/local-ca-issuer.ts";
import type { CertificateIssuer } from "../certificates/step-ca-issuer.ts";
import { createLogger } from "../logger.ts";
import { createHttpMetrics } from "../metrics.ts";
import { type ReceivedSpan, startOtlpReceiver } from "../testing/otlp-receiver.ts";
import { createGrpcClient, createMtlsChannel } from "./client.ts";
import { EchoDefinition, type EchoResponse, echoService } from "./echo-service.ts";
import { CALLER_METADATA_KEY, createGrpcServer } from "./server.ts";

// Real grpc-js over mTLS on loopback with certificates from the local CA (same chain and
// identity rules as step-ca), spans exported over OTLP/HTTP to a real receiver.
const logger = createLogger({ service: "test", level: "silent" });
let caDir: string;
let issuer: CertificateIssuer;
const managers: Record<string, CertificateManager> = {};

beforeAll(async () => {
  caDir = await mkdtemp(join(tmpdir(), "grpc-telemetry-ca-"));
  const pki = await bootstrapCa({ dir: caDir });
  issuer = await localCaIssuer({
    rootPem: await Bun.file(pki.rootCert).text(),
    intermediatePem: await Bun.file(pki.intermediateCert).text(),
    intermediateKeyPem: await Bun.file(pki.intermediateKey).text(),
  });
  for (const service of ["file", "hangout", "auth"]) {
    managers[service] = new CertificateManager({ service, issuer, lifetime: "5m", logger });
    await managers[service].start();
  }
});

afterAll(() => {
  for (const manager of Object.values(managers)) manager.stop();
});

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: Status }).code;
  }
  return Status.OK;
};

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

const sample = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;

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
      env: { ...process.env, CA_DIR: caDir, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
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

describe("gRPC metrics", () => {
  test("the service registry counts calls by method and status code, refused ones included", async () => {
    const metrics = createHttpMetrics("file");
    const server = createGrpcServer({
      certificates: managers.file!,
      allowedCallers: ["hangout"],
      logger,
      registry: metrics.registry,
    });
    // A second server on the same registry (tests and some services make several): no
    // "already registered" error, and both count into the same series.
    const second = createGrpcServer({
      certificates: managers.file!,
      allowedCallers: ["hangout"],
      logger,
      registry: metrics.registry,
    });
    server.server.add(EchoDefinition, echoService());
    const target = `localhost:${await server.listen("127.0.0.1:0")}`;
    const secondTarget = `localhost:${await second.listen("127.0.0.1:0")}`;
    const clientRegistry = new Registry();
    const hangout = createMtlsChannel(target, "file", managers.hangout!);
    const auth = createMtlsChannel(target, "file", managers.auth!);
    const hangoutToSecond = createMtlsChannel(secondTarget, "file", managers.hangout!);
    try {
      const echo = createGrpcClient(EchoDefinition, hangout, { registry: clientRegistry });
      expect(await codeOf(echo.echo({ text: "one" }))).toBe(Status.OK);
      expect(await codeOf(echo.echo({ text: "two" }))).toBe(Status.OK);
      expect(await codeOf(echo.echo({ text: "" }))).toBe(Status.INVALID_ARGUMENT);
      expect(
        await codeOf(
          createGrpcClient(EchoDefinition, auth, { registry: clientRegistry }).echo({ text: "x" }),
        ),
      ).toBe(Status.PERMISSION_DENIED);
      const health = createGrpcClient(HealthDefinition, hangoutToSecond);
      expect((await health.check({ service: "" })).status).toBe(1);

      const samples = parseMetrics(await metrics.registry.metrics());
      const echoLabels = {
        service: "file",
        grpc_type: "unary",
        grpc_service: "test.v1.Echo",
        grpc_method: "Echo",
        grpc_path: "/test.v1.Echo/Echo",
      };
      const handled = (grpc_code: string) =>
        sample(samples, "grpc_server_handled_total", { ...echoLabels, grpc_code });
      expect(handled("OK")).toBe(2);
      expect(handled("INVALID_ARGUMENT")).toBe(1);
      expect(handled("PERMISSION_DENIED")).toBe(1);
      expect(sample(samples, "grpc_server_started_total", echoLabels)).toBe(4);
      expect(
        sample(samples, "grpc_server_handling_seconds_count", { ...echoLabels, grpc_code: "OK" }),
      ).toBe(2);
      expect(
        sample(samples, "grpc_server_handling_seconds_bucket", {
          ...echoLabels,
          grpc_code: "OK",
          le: "+Inf",
        }),
      ).toBe(2);
      expect(
        sample(samples, "grpc_server_handled_total", {
          grpc_service: "grpc.health.v1.Health",
          grpc_method: "Check",
          grpc_code: "OK",
        }),
      ).toBe(1);
      // The HTTP metrics of the same registry are still there.
      expect(samples.some((s) => s.name === "process_cpu_seconds_total")).toBe(true);

      const clientSamples = parseMetrics(await clientRegistry.metrics());
      const clientLabels = { grpc_service: "test.v1.Echo", grpc_method: "Echo" };
      const clientHandled = (grpc_code: string) =>
        sample(clientSamples, "grpc_client_handled_total", { ...clientLabels, grpc_code });
      expect(clientHandled("OK")).toBe(2);
      expect(clientHandled("INVALID_ARGUMENT")).toBe(1);
      expect(clientHandled("PERMISSION_DENIED")).toBe(1);
    } finally {
      hangout.close();
      auth.close();
      hangoutToSecond.close();
      await server.shutdown();
      await second.shutdown();
    }
  });
});

describe("gRPC clients", () => {
  let server: ReturnType<typeof createGrpcServer>;
  let target: string;
  beforeAll(async () => {
    server = createGrpcServer({
      certificates: managers.file!,
      allowedCallers: ["hangout"],
      logger,
    });
    server.server.add(EchoDefinition, echoService());
    target = `localhost:${await server.listen("127.0.0.1:0")}`;
  });
  afterAll(() => server?.shutdown());

  test("the handler learns the verified caller; a caller cannot claim another identity", async () => {
    const channel = createMtlsChannel(target, "file", managers.hangout!);
    try {
      const echo = createGrpcClient(EchoDefinition, channel);
      expect((await echo.echo({ text: "a" })).caller).toBe("hangout");
      const spoofed = await echo.echo(
        { text: "a" },
        { metadata: Metadata({ [CALLER_METADATA_KEY]: "admin" }) },
      );
      expect(spoofed.caller).toBe("hangout");
    } finally {
      channel.close();
    }
  });

  test("a call without a deadline gets the default one; a call's own deadline wins", async () => {
    const channel = createMtlsChannel(target, "file", managers.hangout!);
    try {
      const echo = createGrpcClient(EchoDefinition, channel, { timeoutMs: 200 });
      expect(await codeOf(echo.echo({ text: "fast" }))).toBe(Status.OK);
      const started = performance.now();
      expect(await codeOf(echo.echo({ text: "slow", delayMs: 1000 }))).toBe(
        Status.DEADLINE_EXCEEDED,
      );
      expect(performance.now() - started).toBeLessThan(800);
      const later = new Date(Date.now() + 3000);
      expect(await codeOf(echo.echo({ text: "slow", delayMs: 400 }, { deadline: later }))).toBe(
        Status.OK,
      );
      const soon = new Date(Date.now() + 100);
      const unlimited = createGrpcClient(EchoDefinition, channel, { timeoutMs: 0 });
      expect(await codeOf(unlimited.echo({ text: "slow", delayMs: 400 }, { deadline: soon }))).toBe(
        Status.DEADLINE_EXCEEDED,
      );
      // A caller's own abort is still an abort, not a deadline.
      const controller = new AbortController();
      const aborted = echo.echo({ text: "slow", delayMs: 1000 }, { signal: controller.signal });
      controller.abort();
      await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    } finally {
      channel.close();
    }
  });
});
