/**
 * The trace and log pipeline without running it: the OpenTelemetry collector's pipelines and
 * exporter against Tempo's receiver, the services' and Envoy's OTLP endpoint, Tempo's and Loki's
 * ports and Loki's schema, and the labels Alloy gives the containers' log lines.
 */
import { describe, expect, test } from "bun:test";
import { type Any, read, yamlFile } from "@hangout/platform/testing/repository";
import { parse as parseYaml } from "yaml";
import { services } from "../deploy/compose/compose.ts";

describe("OpenTelemetry collector, Tempo, Loki, Alloy", () => {
  const otel: Any = yamlFile("telemetry/otel-collector/config.yaml");
  const tempo: Any = yamlFile("telemetry/tempo/tempo.yaml");
  const loki: Any = yamlFile("telemetry/loki/loki.yaml");

  test("collector: OTLP/HTTP on 0.0.0.0:4318 → batch → Tempo over OTLP", () => {
    expect(otel.receivers.otlp.protocols.http.endpoint).toBe("0.0.0.0:4318");
    const traces = otel.service.pipelines.traces;
    expect(traces.receivers).toEqual(["otlp"]);
    expect(traces.processors.at(-1)).toBe("batch");
    expect(traces.processors[0]).toBe("memory_limiter");
    expect(traces.exporters).toEqual(["otlp/tempo"]);
    // every component a pipeline names is defined, and every extension used is declared
    for (const pipeline of Object.values(otel.service.pipelines) as Any[]) {
      for (const r of pipeline.receivers) expect(otel.receivers).toHaveProperty([r]);
      for (const p of pipeline.processors) expect(otel.processors).toHaveProperty([p]);
      for (const e of pipeline.exporters) expect(otel.exporters).toHaveProperty([e]);
    }
    for (const e of otel.service.extensions) expect(otel.extensions).toHaveProperty([e]);
    // the exporter reaches Tempo's OTLP gRPC receiver
    const tempoGrpc = tempo.distributor.receivers.otlp.protocols.grpc.endpoint as string;
    expect(otel.exporters["otlp/tempo"].endpoint).toBe(`tempo:${tempoGrpc.split(":").at(-1)}`);
  });

  test("the services' and Envoy's OTLP endpoint is the collector's receiver", () => {
    for (const name of ["auth", "file", "hangout", "notification", "media"]) {
      expect(services[name].environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
        "http://otel-collector:4318",
      );
    }
    const envoy: Any = parseYaml(read("envoy/envoy.yaml"));
    const collector = envoy.static_resources.clusters.find((c: Any) => c.name === "otel_collector");
    const address =
      collector.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    expect(`${address.address}:${address.port_value}`).toBe("otel-collector:4318");
  });

  test("Tempo listens on 3200; Loki on 3100 with structured metadata (tsdb, schema v13)", () => {
    expect(tempo.server.http_listen_port).toBe(3200);
    expect(loki.server.http_listen_port).toBe(3100);
    expect(loki.limits_config.allow_structured_metadata).toBe(true);
    const schema = loki.schema_config.configs.at(-1);
    expect(schema.store).toBe("tsdb");
    expect(schema.schema).toBe("v13");
  });

  test("Alloy: docker logs → JSON → labels service + level only → Loki", () => {
    const alloy = read("telemetry/alloy/config.alloy");
    expect(alloy).toContain('url = "http://loki:3100/loki/api/v1/push"');
    const labelTargets = [...alloy.matchAll(/target_label\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(labelTargets).toEqual(["service"]);
    const labelsBlock = /stage\.labels\s*\{\s*values\s*=\s*\{([^}]*)\}/.exec(alloy)?.[1] ?? "";
    expect([...labelsBlock.matchAll(/(\w+)\s*=/g)].map((m) => m[1])).toEqual(["level"]);
    const metadataBlock =
      /stage\.structured_metadata\s*\{\s*values\s*=\s*\{([^}]*)\}/.exec(alloy)?.[1] ?? "";
    expect([...metadataBlock.matchAll(/(\w+)\s*=/g)].map((m) => m[1])).toEqual(["trace_id"]);
    // pino's traceId and Envoy's trace_id both feed the structured metadata
    expect(alloy).toContain('trace_id = "traceId || trace_id"');
    expect(services.alloy.volumes).toContain("/var/run/docker.sock:/var/run/docker.sock:ro");
  });
});
