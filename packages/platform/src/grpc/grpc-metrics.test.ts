import { describe, expect, test } from "bun:test";
import { Status } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { Registry } from "prom-client";
import { createHttpMetrics } from "../metrics.ts";
import { createGrpcClient, createMtlsChannel } from "./client.ts";
import { EchoDefinition, echoService } from "./echo-service.ts";
import { codeOf, logger, useLocalCa } from "./local-ca.fixture.ts";
import { createGrpcServer } from "./server.ts";

// Real grpc-js over mTLS on loopback with certificates from the local CA, counted into real
// prom-client registries.
const { managers } = useLocalCa();

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
