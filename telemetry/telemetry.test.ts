/**
 * Checks of the compose stack's configuration that can run without Docker, Grafana, Loki, Tempo,
 * Alloy or the collector: parse everything, `promtool` on the Prometheus config and rules,
 * `docker compose config` (or Debian's docker-compose) on the compose file, and the references
 * between the files (ports, datasource uids, metric names, mounted paths, pinned images).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPrivateKey } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { RUNTIME_VARIABLE } from "../bench/production.ts";
import { PARSER_HEADER_LIMIT_FLAG } from "../packages/platform/src/request-limits.ts";
import { authConfigSchema, loadAuthConfig } from "../services/auth/src/config.ts";
import { fileConfigSchema, loadFileConfig } from "../services/file/src/config.ts";
import { hangoutConfigSchema, loadHangoutConfig } from "../services/hangout/src/config.ts";
import { loadMediaConfig, mediaConfigSchema } from "../services/media/src/config.ts";
import {
  loadNotificationConfig,
  notificationConfigSchema,
} from "../services/notification/src/config.ts";
import {
  DASHBOARD_METRICS,
  datasourceUids,
  metricNames,
  prometheusExpressions,
  resolveComposeVars,
  stripAlloyCommentsAndStrings,
} from "./inspect.ts";

const ROOT = join(import.meta.dir, "..");
const TELEMETRY = import.meta.dir;
// biome-ignore lint/suspicious/noExplicitAny: test navigation through parsed YAML/JSON documents
type Any = any;

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const yamlFile = (path: string): Any => parseYaml(read(path), { uniqueKeys: true, merge: true });

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Runs a command; fails the test with an install hint when the tool is missing. */
function run(cmd: string[], installHint: string, cwd = ROOT) {
  const exe = Bun.which(cmd[0]!);
  if (!exe) {
    throw new Error(
      `${cmd[0]} not found on PATH: ${installHint} (the test does not skip without it)`,
    );
  }
  const proc = Bun.spawnSync([exe, ...cmd.slice(1)], { cwd, stdout: "pipe", stderr: "pipe" });
  return {
    exitCode: proc.exitCode,
    output: `${proc.stdout.toString()}${proc.stderr.toString()}`,
  };
}

const compose: Any = yamlFile("docker-compose.yml");
const services: Record<string, Any> = compose.services;

describe("every telemetry config parses", () => {
  const files = filesUnder(TELEMETRY).filter((f) => /\.(ya?ml|json)$/.test(f));
  test("there are configs to check", () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });
  for (const file of files) {
    test(relative(ROOT, file), () => {
      const text = readFileSync(file, "utf8");
      const doc = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true });
      expect(doc).toBeObject();
    });
  }

  test("the Alloy config is balanced and uses only known block names", () => {
    const text = stripAlloyCommentsAndStrings(read("telemetry/alloy/config.alloy"));
    let depth = 0;
    for (const ch of text) {
      if (ch === "{") depth++;
      if (ch === "}") depth--;
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);
    const components = [...text.matchAll(/^([a-z_]+(?:\.[a-z_]+)+)\s+""\s*\{/gm)].map((m) => m[1]);
    expect(components.sort()).toEqual(
      [
        "discovery.docker",
        "discovery.relabel",
        "loki.process",
        "loki.source.docker",
        "loki.write",
      ].sort(),
    );
  });
});

describe("Prometheus", () => {
  const rulesDir = join(TELEMETRY, "prometheus/rules");
  const ruleFiles = readdirSync(rulesDir).filter((f) => f.endsWith(".rules.yml"));
  const ruleTests = readdirSync(rulesDir).filter((f) => f.endsWith(".test.yml"));

  test("promtool check config telemetry/prometheus/prometheus.yml (and its rule files)", () => {
    expect(ruleFiles.sort()).toEqual([
      "auth.rules.yml",
      "events.rules.yml",
      "hangout.rules.yml",
      "media.rules.yml",
      "notification.rules.yml",
    ]);
    const { exitCode, output } = run(
      ["promtool", "check", "config", "telemetry/prometheus/prometheus.yml"],
      "apt-get install -y prometheus",
    );
    expect(output).toContain("SUCCESS");
    expect(output).toContain(`${ruleFiles.length} rule files found`);
    expect(exitCode).toBe(0);
  });

  test("promtool test rules: every alert fires on its synthetic series", () => {
    // every rule file has its unit test
    expect(ruleTests.sort()).toEqual(ruleFiles.map((f) => f.replace(".rules.", ".test.")).sort());
    const { exitCode, output } = run(
      ["promtool", "test", "rules", ...ruleTests],
      "apt-get install -y prometheus",
      rulesDir,
    );
    expect(output.match(/SUCCESS/g)?.length).toBe(ruleTests.length);
    expect(output).not.toContain("FAILED");
    expect(exitCode).toBe(0);
  });

  test("every HTTP service has its Down / HighErrorRate / SlowRequests alerts", () => {
    const alerts = ruleFiles.flatMap((f) =>
      (yamlFile(`telemetry/prometheus/rules/${f}`).groups as Any[]).flatMap((g) =>
        (g.rules as Any[]).filter((r) => r.alert).map((r) => ({ alert: r.alert, expr: r.expr })),
      ),
    );
    for (const [service, prefix] of [
      ["auth", "Auth"],
      ["hangout", "Hangout"],
      ["notification", "Notification"],
    ] as const) {
      const down = alerts.find((a) => a.alert === `${prefix}Down`);
      expect(down?.expr).toContain(`up{job="${service}"}`);
      for (const name of [`${prefix}HighErrorRate`, `${prefix}SlowRequests`])
        expect(alerts.find((a) => a.alert === name)?.expr).toContain(`service="${service}"`);
    }
  });

  const prom: Any = yamlFile("telemetry/prometheus/prometheus.yml");
  const job = (name: string) => prom.scrape_configs.find((j: Any) => j.job_name === name);

  test("scrapes the services' /metrics directly, the collector, and Envoy's stats listener", () => {
    expect(job("auth").static_configs[0].targets).toEqual(["auth:3001"]);
    expect(job("auth").metrics_path ?? "/metrics").toBe("/metrics");
    // file: its HTTP port (health and metrics; gRPC has none)
    expect(job("file").static_configs[0].targets).toEqual([
      `file:${services.file.environment.FILE_HTTP_PORT}`,
    ]);
    expect(job("file").metrics_path ?? "/metrics").toBe("/metrics");
    // hangout: its public HTTP port (Envoy does not route /metrics)
    expect(job("hangout").static_configs[0].targets).toEqual([
      `hangout:${services.hangout.environment.HANGOUT_PORT}`,
    ]);
    expect(job("hangout").metrics_path ?? "/metrics").toBe("/metrics");
    // notification: its HTTP port, where the mailer's and the consumer's metrics are too
    expect(job("notification").static_configs[0].targets).toEqual([
      `notification:${services.notification.environment.NOTIFICATION_PORT}`,
    ]);
    expect(job("notification").metrics_path ?? "/metrics").toBe("/metrics");
    // media: no API; its HTTP port has the jobs' and the consumer's metrics
    expect(job("media").static_configs[0].targets).toEqual([
      `media:${services.media.environment.MEDIA_HTTP_PORT}`,
    ]);
    expect(job("media").metrics_path ?? "/metrics").toBe("/metrics");
    // the services' metrics carry their own `service` label: no target label to clash with it
    for (const name of ["auth", "file", "hangout", "notification", "media"])
      expect(job(name).static_configs[0].labels).toBeUndefined();
    expect(job("otel-collector").static_configs[0].targets).toEqual(["otel-collector:8888"]);
    expect(job("envoy").metrics_path).toBe("/stats/prometheus");
    expect(job("envoy").static_configs[0].targets).toEqual(["envoy:9902"]);
  });

  test("the Envoy target is the listener that proxies /stats/prometheus to the admin", () => {
    const envoy: Any = parseYaml(read("envoy/envoy.yaml"));
    const stats = envoy.static_resources.listeners.find(
      (l: Any) => l.address.socket_address.port_value === 9902,
    );
    expect(stats).toBeDefined();
    const routes =
      stats.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
    const prometheusRoute = routes.find((r: Any) => r.match.path === "/stats/prometheus");
    expect(prometheusRoute.route.cluster).toBe("envoy_admin");
  });

  test("the collector exposes its own metrics where Prometheus scrapes them", () => {
    const otel: Any = yamlFile("telemetry/otel-collector/config.yaml");
    const reader = otel.service.telemetry.metrics.readers[0].pull.exporter.prometheus;
    expect(`otel-collector:${reader.port}`).toBe(
      job("otel-collector").static_configs[0].targets[0],
    );
    expect(reader.host).toBe("0.0.0.0");
  });
});

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

describe("Grafana provisioning and dashboard", () => {
  const datasources: Any[] = yamlFile(
    "telemetry/grafana/provisioning/datasources/datasources.yaml",
  ).datasources;
  const provisioned = new Set(datasources.map((d) => d.uid));
  const dashboardDir = join(TELEMETRY, "grafana/dashboards");
  const dashboards = readdirSync(dashboardDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({
      file: f,
      json: JSON.parse(readFileSync(join(dashboardDir, f), "utf8")) as Any,
    }));

  test("Prometheus, Loki and Tempo are provisioned with fixed uids, Prometheus default", () => {
    expect(datasources.map((d) => [d.type, d.uid]).sort()).toEqual([
      ["loki", "loki"],
      ["prometheus", "prometheus"],
      ["tempo", "tempo"],
    ]);
    expect(datasources.filter((d) => d.isDefault).map((d) => d.uid)).toEqual(["prometheus"]);
    const byUid = Object.fromEntries(datasources.map((d) => [d.uid, d]));
    const urls = Object.fromEntries(datasources.map((d) => [d.uid, d.url]));
    expect(urls).toEqual({
      prometheus: "http://prometheus:9090",
      loki: "http://loki:3100",
      tempo: "http://tempo:3200",
    });
    // Loki → Tempo: derived field on the trace id in the line (pino traceId, Envoy trace_id)
    const derived = byUid.loki.jsonData.derivedFields.find((f: Any) => f.matcherType === "regex");
    expect(derived.datasourceUid).toBe("tempo");
    const regex = new RegExp(derived.matcherRegex);
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    expect(regex.exec(`{"level":"info","traceId":"${traceId}","msg":"x"}`)?.[1]).toBe(traceId);
    expect(regex.exec(`{"status":200,"trace_id":"${traceId}"}`)?.[1]).toBe(traceId);
    expect(derived.url).toBe("$${__value.raw}");
    // Tempo → Loki (traces to logs) and → Prometheus
    expect(byUid.tempo.jsonData.tracesToLogsV2.datasourceUid).toBe("loki");
    expect(byUid.tempo.jsonData.tracesToLogsV2.filterByTraceID).toBe(true);
    expect(byUid.tempo.jsonData.serviceMap.datasourceUid).toBe("prometheus");
    // every cross-link points at a provisioned datasource
    const links = JSON.stringify(datasources).matchAll(/"datasourceUid":"([^"]+)"/g);
    for (const [, uid] of links) expect(provisioned).toContain(uid);
  });

  test("there are the auth, notification, media and web dashboards, and no other", () => {
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual(Object.keys(DASHBOARD_METRICS).sort());
  });

  for (const { file, json } of dashboards) {
    test(`${file}: every datasource uid it references is provisioned`, () => {
      const uids = datasourceUids(json);
      expect(uids.size).toBeGreaterThan(0);
      for (const uid of uids) expect(provisioned).toContain(uid);
    });

    test(`${file}: metric names are the ones the services export`, () => {
      const exprs = prometheusExpressions(json);
      expect(exprs.length).toBeGreaterThan(0);
      const used = new Set(exprs.flatMap((e) => [...metricNames(e)]));
      expect([...used].sort()).toEqual([...(DASHBOARD_METRICS[json.uid] ?? [])].sort());
    });

    test(`${file}: panels have unique ids and a grid position`, () => {
      const ids = json.panels.map((p: Any) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of json.panels)
        expect(p.gridPos).toMatchObject({ h: expect.any(Number), w: expect.any(Number) });
    });
  }

  test("the dashboard's service variable lists every scraped service (auth, file, hangout)", () => {
    const json = dashboards.find((d) => d.json.uid === "hangout-auth")!.json;
    const variable = json.templating.list.find((v: Any) => v.name === "service");
    // a query over the label every service's metrics carry, not a fixed list
    expect(variable.type).toBe("query");
    expect(variable.query.query).toBe("label_values(http_requests_total, service)");
    expect(variable.regex ?? "").toBe("");
    // every panel follows the variable
    for (const expr of prometheusExpressions(json)) expect(expr).toContain('service="$service"');
  });

  test("the auth dashboard covers rate, errors, p50/p99 by route and resident memory", () => {
    const json = dashboards.find((d) => d.json.uid === "hangout-auth")!.json;
    const exprs = prometheusExpressions(json).join("\n");
    expect(exprs).toMatch(/sum by \(method, route\) \(rate\(http_requests_total/);
    expect(exprs).toMatch(/status=~"5\.\."/);
    expect(exprs).toMatch(/histogram_quantile\(0\.5, sum by \(le, route\)/);
    expect(exprs).toMatch(/histogram_quantile\(0\.99, sum by \(le, route\)/);
    expect(exprs).toContain("process_resident_memory_bytes");
  });

  test("the platform metrics module exports the metric names the dashboard uses", () => {
    const metricsModule = read("packages/platform/src/metrics.ts");
    expect(metricsModule).toContain('"http_requests_total"');
    expect(metricsModule).toContain('"http_request_duration_seconds"');
    expect(metricsModule).toContain("collectDefaultMetrics"); // process_resident_memory_bytes
    expect(metricsModule).toContain("setDefaultLabels({ service })"); // the dashboard's $service
    for (const label of ["method", "route", "status"])
      expect(metricsModule).toContain(`"${label}"`);
    const relay = read("packages/platform/src/outbox/relay-metrics.ts");
    const consumer = read("packages/platform/src/inbox/consumer-metrics.ts");
    for (const name of new Set(Object.values(DASHBOARD_METRICS).flatMap((set) => [...set]))) {
      if (!/^(outbox|event)/.test(name)) continue;
      const base = name.replace(/_bucket$/, "");
      expect(`${relay}\n${consumer}`).toContain(`"${base}"`);
    }
  });

  test("the dashboard provider reads the folder compose mounts", () => {
    const provider = yamlFile("telemetry/grafana/provisioning/dashboards/dashboards.yaml")
      .providers[0];
    expect(services.grafana.volumes).toContain(
      `./telemetry/grafana/dashboards:${provider.options.path}:ro`,
    );
    expect(services.grafana.volumes).toContain(
      "./telemetry/grafana/provisioning:/etc/grafana/provisioning:ro",
    );
  });
});

describe("docker-compose.yml", () => {
  test("is valid for Compose (docker compose config / docker-compose config)", () => {
    const hint = "apt-get install -y docker-compose (or the docker compose plugin)";
    const hasPlugin =
      Bun.which("docker") !== null &&
      Bun.spawnSync(["docker", "compose", "version"], { stdout: "ignore", stderr: "ignore" })
        .exitCode === 0;
    const { exitCode, output } = hasPlugin
      ? run(["docker", "compose", "-f", "docker-compose.yml", "config", "-q"], hint)
      : run(["docker-compose", "-f", "docker-compose.yml", "config", "-q"], hint);
    expect(output).toBe("");
    expect(exitCode).toBe(0);
  });

  test("has the production-like stack of this issue", () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        "alloy",
        "auth",
        "auth-keys",
        "auth-migrate",
        "clamav",
        "edge-certs",
        "envoy",
        "file",
        "file-migrate",
        "grafana",
        "hangout",
        "hangout-migrate",
        "localstack",
        "loki",
        "mailpit",
        "media",
        "mysql",
        "mysql-databases",
        "notification",
        "notification-migrate",
        "otel-collector",
        "prometheus",
        "rabbitmq",
        "step-ca",
        "step-ca-init",
        "tempo",
        "tempo-init",
        "web",
      ].sort(),
    );
  });

  test("every image pins a tag (no latest), also the Dockerfile's base images", () => {
    for (const [name, svc] of Object.entries(services)) {
      expect({ name, image: typeof svc.image }).toEqual({ name, image: "string" });
      const image = resolveComposeVars(svc.image);
      const tag =
        /^[^@]+:([^/:@]+)$/.exec(image)?.[1] ?? (image.includes("@sha256:") ? "digest" : undefined);
      expect({ name, image, pinned: tag !== undefined && tag !== "latest" }).toEqual({
        name,
        image,
        pinned: true,
      });
    }
    const dockerfile = read("Dockerfile");
    const bunVersion = /^ARG BUN_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
    const packageJson = JSON.parse(read("package.json"));
    expect(`bun@${bunVersion}`).toBe(packageJson.packageManager);
    for (const [, from] of dockerfile.matchAll(/^FROM\s+(\S+)/gm)) {
      const image = from!.replace(/\$\{BUN_VERSION\}/, bunVersion!);
      expect(image).toMatch(/^[^:]+:[^:]+$/);
      expect(image).not.toMatch(/:latest$/);
    }
  });

  test("every config file it mounts exists in the repository", () => {
    let mounts = 0;
    for (const [name, svc] of Object.entries(services)) {
      for (const volume of svc.volumes ?? []) {
        const source = resolveComposeVars(String(volume).split(":")[0]!);
        if (!source.startsWith("./")) continue; // named volume or host socket
        mounts++;
        expect({ name, source, exists: existsSync(join(ROOT, source)) }).toEqual({
          name,
          source,
          exists: true,
        });
      }
      for (const file of svc.env_file ?? []) expect(existsSync(join(ROOT, file))).toBe(true);
    }
    expect(mounts).toBeGreaterThanOrEqual(9);
    // the Dockerfile and the init scripts it relies on
    expect(existsSync(join(ROOT, services.auth.build.dockerfile))).toBe(true);
    expect(existsSync(join(ROOT, ".dockerignore"))).toBe(true);
  });

  test("dependencies: migrate after MySQL is healthy, auth after migrate succeeded, Envoy after auth", () => {
    expect(services["auth-migrate"].depends_on.mysql.condition).toBe("service_healthy");
    expect(services.auth.depends_on["auth-migrate"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services.envoy.depends_on.auth.condition).toBe("service_healthy");
    expect(services.envoy.depends_on["edge-certs"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services.auth.healthcheck.test.join(" ")).toContain("/readyz");
    expect(services.mysql.healthcheck).toBeDefined();
    // file: after its schema, the CA material, a healthy CA and a healthy S3 store
    const file = services.file.depends_on;
    expect(file["file-migrate"].condition).toBe("service_completed_successfully");
    expect(file["step-ca-init"].condition).toBe("service_completed_successfully");
    expect(file["step-ca"].condition).toBe("service_healthy");
    expect(file.localstack.condition).toBe("service_healthy");
    expect(services["file-migrate"].depends_on.mysql.condition).toBe("service_healthy");
    expect(services["file-migrate"].depends_on["mysql-databases"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services["mysql-databases"].depends_on.mysql.condition).toBe("service_healthy");
    expect(services["step-ca"].depends_on["step-ca-init"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services.file.healthcheck.test.join(" ")).toContain(
      `http://127.0.0.1:${services.file.environment.FILE_HTTP_PORT}/readyz`,
    );
    expect(services["step-ca"].healthcheck.test.slice(0, 4)).toEqual([
      "CMD",
      "step",
      "ca",
      "health",
    ]);
    expect(services.localstack.healthcheck.test.join(" ")).toContain("/_localstack/health");
    // hangout: after its schema, the CA material, a healthy CA, and healthy auth and file (it
    // verifies tokens with auth's JWKS and calls both over gRPC); Envoy after hangout
    const hangout = services.hangout.depends_on;
    expect(hangout["hangout-migrate"].condition).toBe("service_completed_successfully");
    expect(hangout["step-ca-init"].condition).toBe("service_completed_successfully");
    expect(hangout["step-ca"].condition).toBe("service_healthy");
    expect(hangout.auth.condition).toBe("service_healthy");
    expect(hangout.file.condition).toBe("service_healthy");
    expect(hangout["otel-collector"].condition).toBe("service_started");
    expect(services["hangout-migrate"].depends_on.mysql.condition).toBe("service_healthy");
    expect(services["hangout-migrate"].depends_on["mysql-databases"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services.envoy.depends_on.hangout.condition).toBe("service_healthy");
    expect(services.hangout.healthcheck.test.join(" ")).toContain(
      `http://127.0.0.1:${services.hangout.environment.HANGOUT_PORT}/readyz`,
    );
    // notification: after its schema, the CA material, a healthy CA, a healthy auth (JWKS and
    // UserDirectory over gRPC), a healthy broker (it consumes) and SMTP server; Envoy after it
    const notification = services.notification.depends_on;
    expect(notification["notification-migrate"].condition).toBe("service_completed_successfully");
    expect(notification["step-ca-init"].condition).toBe("service_completed_successfully");
    expect(notification["step-ca"].condition).toBe("service_healthy");
    expect(notification.auth.condition).toBe("service_healthy");
    expect(notification.rabbitmq.condition).toBe("service_healthy");
    expect(notification.mailpit.condition).toBe("service_healthy");
    expect(services["notification-migrate"].depends_on.mysql.condition).toBe("service_healthy");
    expect(services["notification-migrate"].depends_on["mysql-databases"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services.envoy.depends_on.notification.condition).toBe("service_healthy");
    expect(services.notification.healthcheck.test.join(" ")).toContain(
      `http://127.0.0.1:${services.notification.environment.NOTIFICATION_PORT}/readyz`,
    );
    // one-shot jobs never restart
    for (const job of [
      "mysql-databases",
      "step-ca-init",
      "file-migrate",
      "auth-migrate",
      "hangout-migrate",
      "notification-migrate",
    ])
      expect(services[job].restart).toBe("no");
    for (const [name, svc] of Object.entries(services)) {
      for (const dep of Object.keys(svc.depends_on ?? {})) {
        expect({ name, dep, exists: dep in services }).toEqual({ name, dep, exists: true });
      }
    }
  });

  test("auth runs behind Envoy with the contract's environment", () => {
    const env = services.auth.environment;
    expect(services.auth.command).toEqual(["bun", PARSER_HEADER_LIMIT_FLAG, "dist/auth/main.js"]);
    expect(services["auth-migrate"].command).toEqual(["bun", "services/auth/src/migrate.ts"]);
    expect(env.AUTH_HOST).toBe("0.0.0.0");
    expect(env.AUTH_PORT).toBe("3001");
    expect(env.AUTH_TRUST_PROXY).toBe("true");
    expect(resolveComposeVars(env.AUTH_DATABASE_URL)).toBe(
      "mysql://auth:auth-dev-password@mysql:3306/auth",
    );
    expect(env.AUTH_JWT_PRIVATE_KEY_FILE).toStartWith("/app/.data/auth/");
    // auth.v1.UserDirectory over mTLS (on because STEP_CA_URL is set)
    expect(env.AUTH_GRPC_PORT).toBe("50052");
    expect(env.STEP_CA_URL).toBeDefined();
    expect(services.auth.volumes).toContain("auth-data:/app/.data/auth");
    // the DB password has one source of truth (same default in the URL, MySQL and its init script)
    expect(resolveComposeVars(services.mysql.environment.AUTH_DB_PASSWORD)).toBe(
      "auth-dev-password",
    );
  });

  test("ports follow ARCHITECTURE.md; only Envoy listens beyond loopback", () => {
    const published: Record<string, string[]> = {};
    for (const [name, svc] of Object.entries(services)) {
      published[name] = (svc.ports ?? []).map((p: string) => resolveComposeVars(p));
    }
    expect(published.envoy).toEqual(["8443:8443", "8080:8080"]);
    expect(published.auth).toEqual(["127.0.0.1:3001:3001"]);
    expect(published.file).toEqual(["127.0.0.1:3003:3003"]); // health and metrics; gRPC stays inside
    expect(published.hangout).toEqual(["127.0.0.1:3002:3002"]); // direct access; public via Envoy
    expect(published.notification).toEqual(["127.0.0.1:3004:3004"]);
    expect(published.media).toEqual(["127.0.0.1:3005:3005"]); // health and metrics; no API
    expect(published.clamav).toEqual([]); // clamd stays inside the network
    expect(published.mailpit).toEqual(["127.0.0.1:1025:1025", "127.0.0.1:8025:8025"]);
    expect(published.rabbitmq).toEqual(["127.0.0.1:5672:5672", "127.0.0.1:15672:15672"]);
    expect(published["step-ca"]).toEqual(["127.0.0.1:9443:9443"]);
    expect(published.localstack).toEqual(["127.0.0.1:4566:4566"]);
    expect(published.mysql).toEqual(["127.0.0.1:3306:3306"]);
    expect(published.prometheus).toEqual(["127.0.0.1:9090:9090"]);
    expect(published.grafana).toEqual(["127.0.0.1:3000:3000"]);
    expect(published.loki).toEqual(["127.0.0.1:3100:3100"]);
    expect(published.tempo).toEqual(["127.0.0.1:3200:3200"]);
    expect(published["otel-collector"]).toEqual(["127.0.0.1:4318:4318"]);
    for (const [name, ports] of Object.entries(published)) {
      if (name === "envoy") continue;
      for (const p of ports)
        expect({ name, p, loopback: p.startsWith("127.0.0.1:") }).toEqual({
          name,
          p,
          loopback: true,
        });
    }
  });

  test("Envoy gets its config and certificates where envoy.yaml expects them", () => {
    const envoy = services.envoy;
    const configPath = envoy.command[envoy.command.indexOf("--config-path") + 1];
    expect(envoy.volumes).toContain(`./envoy/envoy.yaml:${configPath}:ro`);
    expect(resolveComposeVars(envoy.volumes[1])).toBe("edge-certs:/etc/envoy/certs:ro");
    expect(services["edge-certs"].volumes).toEqual(["edge-certs:/app/.data/certs"]);
    expect(services["edge-certs"].command).toEqual([
      "bun",
      "envoy/dev-cert.ts",
      "/app/.data/certs",
    ]);
    const envoyYaml = read("envoy/envoy.yaml");
    expect(envoyYaml).toContain("filename: /etc/envoy/certs/tls.crt");
    expect(envoyYaml).toContain("filename: /etc/envoy/certs/tls.key");
  });

  test("auth-keys creates an ES256 PKCS#8 key once, where auth reads it, and keeps it", async () => {
    const keys = services["auth-keys"];
    const keyFile = keys.environment.AUTH_JWT_PRIVATE_KEY_FILE;
    expect(keyFile).toBe(services.auth.environment.AUTH_JWT_PRIVATE_KEY_FILE);
    expect(keys.volumes).toEqual(["auth-data:/app/.data/auth"]);
    expect(services.auth.volumes).toContain(keys.volumes[0]);
    expect(keys.command.slice(0, 2)).toEqual(["bun", "-e"]);
    const dir = mkdtempSync(join(tmpdir(), "auth-keys-"));
    try {
      const path = join(dir, "jwt-es256.pem");
      const runOnce = () =>
        Bun.spawnSync([process.execPath, "-e", keys.command[2]], {
          env: { ...process.env, AUTH_JWT_PRIVATE_KEY_FILE: path },
          stdout: "pipe",
          stderr: "pipe",
        });
      const first = runOnce();
      expect(first.stdout.toString().trim()).toBe(`created ${path}`);
      expect(first.exitCode).toBe(0);
      const pem = readFileSync(path, "utf8");
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const key = createPrivateKey(pem);
      expect(key.asymmetricKeyType).toBe("ec");
      expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
      expect(pem).toStartWith("-----BEGIN PRIVATE KEY-----");
      expect(runOnce().stdout.toString().trim()).toBe(`kept ${path}`);
      expect(readFileSync(path, "utf8")).toBe(pem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const DB_PASSWORDS = {
    AUTH_DB_PASSWORD: "it's\\x",
    FILE_DB_PASSWORD: "file-pw",
    HANGOUT_DB_PASSWORD: "hangout-pw",
    NOTIFICATION_DB_PASSWORD: "notification-pw",
  };

  test("MySQL init script creates one database and user per service, quoting the password", () => {
    const script = join(ROOT, "deploy/mysql/init/10-databases.sh");
    const proc = Bun.spawnSync(
      ["bash", "-c", `docker_process_sql() { echo "ARGS $*"; cat; }; source "${script}"`],
      {
        env: { PATH: process.env.PATH ?? "", ...DB_PASSWORDS },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const out = proc.stdout.toString();
    expect(proc.exitCode).toBe(0);
    expect(out).toContain("CREATE DATABASE IF NOT EXISTS `auth`");
    expect(out).toContain("CREATE USER IF NOT EXISTS 'auth'@'%' IDENTIFIED BY 'it''s\\\\x';");
    expect(out).toContain("GRANT ALL PRIVILEGES ON `auth`.* TO 'auth'@'%';");
    for (const name of ["file", "hangout", "notification"]) {
      expect(out).toContain(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
      expect(out).toContain(`CREATE USER IF NOT EXISTS '${name}'@'%' IDENTIFIED BY '${name}-pw';`);
      expect(out).toContain(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO '${name}'@'%';`);
    }
    for (const unset of Object.keys(DB_PASSWORDS)) {
      const env: Record<string, string> = { PATH: process.env.PATH ?? "", ...DB_PASSWORDS };
      delete env[unset];
      const missing = Bun.spawnSync(
        ["bash", "-c", `docker_process_sql() { cat; }; source "${script}"`],
        { env, stdout: "pipe", stderr: "pipe" },
      );
      expect({ unset, exitCode: missing.exitCode }).toEqual({ unset, exitCode: 1 });
    }
  });

  test("every database password has one source: MySQL, mysql-databases and the service URLs", () => {
    expect(services["mysql-databases"].environment).toEqual(services.mysql.environment);
    const env = services.mysql.environment;
    expect(resolveComposeVars(env.FILE_DB_PASSWORD)).toBe("file-dev-password");
    expect(resolveComposeVars(services.file.environment.FILE_DATABASE_URL)).toBe(
      "mysql://file:file-dev-password@mysql:3306/file",
    );
    expect(services["file-migrate"].environment.FILE_DATABASE_URL).toBe(
      services.file.environment.FILE_DATABASE_URL,
    );
    expect(resolveComposeVars(env.HANGOUT_DB_PASSWORD)).toBe("hangout-dev-password");
    expect(resolveComposeVars(services.hangout.environment.HANGOUT_DATABASE_URL)).toBe(
      "mysql://hangout:hangout-dev-password@mysql:3306/hangout",
    );
    expect(services["hangout-migrate"].environment.HANGOUT_DATABASE_URL).toBe(
      services.hangout.environment.HANGOUT_DATABASE_URL,
    );
    expect(resolveComposeVars(env.NOTIFICATION_DB_PASSWORD)).toBe("notification-dev-password");
    expect(resolveComposeVars(services.notification.environment.NOTIFICATION_DATABASE_URL)).toBe(
      "mysql://notification:notification-dev-password@mysql:3306/notification",
    );
    expect(services["notification-migrate"].environment.NOTIFICATION_DATABASE_URL).toBe(
      services.notification.environment.NOTIFICATION_DATABASE_URL,
    );
  });

  test("mysql-databases applies the same script as root over TCP, the password not in argv", () => {
    const job = services["mysql-databases"];
    const mount = (job.volumes as string[]).find((v) => v.startsWith("./deploy/mysql/init:"))!;
    const target = mount.split(":")[1]!;
    expect(mount).toBe(`./deploy/mysql/init:${target}:ro`);
    expect(job.image).toBe(services.mysql.image);
    expect(job.entrypoint.slice(0, 2)).toEqual(["bash", "-c"]);
    const scriptText = resolveComposeVars(job.entrypoint[2]).replaceAll(
      target,
      join(ROOT, "deploy/mysql/init"),
    );
    // A stand-in `mysql` client that records its arguments, its option file and its input.
    const dir = mkdtempSync(join(tmpdir(), "mysql-databases-"));
    try {
      const log = join(dir, "calls.log");
      writeFileSync(
        join(dir, "mysql"),
        `#!/bin/bash\n{ echo "ARGV $*"; cat "\${1#--defaults-extra-file=}"; cat; } >> "${log}"\n`,
      );
      chmodSync(join(dir, "mysql"), 0o755);
      const proc = Bun.spawnSync(["bash", "-c", scriptText], {
        env: {
          PATH: `${dir}:${process.env.PATH ?? ""}`,
          MYSQL_ROOT_PASSWORD: "root-pw",
          ...DB_PASSWORDS,
        },
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(proc.stderr.toString()).toBe("");
      expect(proc.exitCode).toBe(0);
      const calls = readFileSync(log, "utf8");
      const argvLines = calls.split("\n").filter((l) => l.startsWith("ARGV "));
      expect(argvLines).toHaveLength(4);
      for (const line of argvLines) {
        expect(line).toMatch(/^ARGV --defaults-extra-file=\S+ --protocol=tcp -h mysql -uroot /);
        expect(line).not.toContain("root-pw");
      }
      expect(calls).toContain('password="root-pw"');
      for (const name of ["auth", "file", "hangout", "notification"])
        expect(calls).toContain(`CREATE USER IF NOT EXISTS '${name}'@'%'`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("docker-compose.yml: the file service and its S3 store", () => {
  const env = services.file.environment;

  test("file runs with the contract's environment", () => {
    expect(services.file.command).toEqual(["bun", PARSER_HEADER_LIMIT_FLAG, "dist/file/main.js"]);
    expect(services["file-migrate"].command).toEqual(["bun", "services/file/src/migrate.ts"]);
    expect(env.FILE_HOST).toBe("0.0.0.0");
    expect(env.FILE_GRPC_PORT).toBe("50051");
    expect(env.FILE_HTTP_PORT).toBe("3003");
    expect(resolveComposeVars(env.S3_REGION)).toBe("us-east-1");
    expect(resolveComposeVars(env.S3_BUCKET)).toBe("hangout-files");
    expect(env.S3_FORCE_PATH_STYLE).toBe("true");
    for (const name of [
      "FILE_UPLOAD_URL_TTL_SECONDS",
      "FILE_DOWNLOAD_URL_TTL_SECONDS",
      "FILE_REAPER_INTERVAL_SECONDS",
    ])
      expect({ name, value: env[name] }).toEqual({ name, value: expect.stringMatching(/^\d+$/) });
    expect(env.FILE_UPLOAD_URL_TTL_SECONDS).toBe("900"); // 15 minutes (ARCHITECTURE.md)
    // the migration job sees the same settings as the service
    for (const [name, value] of Object.entries(services["file-migrate"].environment))
      expect({ name, value }).toEqual({ name, value: env[name] });
  });

  test("S3: the service reaches LocalStack inside, browsers at its published port", () => {
    const store = services.localstack;
    expect(store.image).toStartWith("localstack/localstack:");
    const [hostIp, hostPort, containerPort] = resolveComposeVars(store.ports[0]).split(":");
    const inside = new URL(resolveComposeVars(env.S3_ENDPOINT));
    expect(`${inside.protocol}//${inside.hostname}:${inside.port}`).toBe(
      `http://localstack:${containerPort}`,
    );
    const outside = new URL(resolveComposeVars(env.S3_PUBLIC_ENDPOINT));
    expect(hostIp).toBe("127.0.0.1");
    expect(outside.hostname).toBe("localhost");
    expect(outside.port).toBe(hostPort!);
    // S3 only; presigned URLs' signatures are checked, which LocalStack does against `test`
    expect(store.environment.SERVICES).toBe("s3");
    expect(store.environment.S3_SKIP_SIGNATURE_VALIDATION).toBe("0");
    expect(resolveComposeVars(env.S3_SECRET_ACCESS_KEY)).toBe("test");
    // the browser origin that may PUT is the edge (Envoy's published HTTPS port)
    const origins = resolveComposeVars(env.S3_CORS_ORIGINS).split(",");
    const https = resolveComposeVars(services.envoy.ports[0]).split(":")[0];
    expect(origins).toContain(`https://localhost:${https}`);
    // the healthcheck's pattern matches LocalStack's health document
    const check = String(store.healthcheck.test[1]);
    const pattern = /grep -Eq '(.*)'$/.exec(check)?.[1];
    expect(pattern).toBeDefined();
    const regex = new RegExp(pattern!);
    expect(regex.test(JSON.stringify({ services: { s3: "running" } }, null, 0))).toBe(true);
    expect(regex.test('{"services": {"s3": "available"}, "edition": "community"}')).toBe(true);
    expect(regex.test('{"services": {"s3": "error"}}')).toBe(false);
  });
});

describe("docker-compose.yml: the hangout service, and every service's environment contract", () => {
  const env = services.hangout.environment;
  const resolved = (e: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(e).map(([k, v]) => [k, resolveComposeVars(String(v))]));

  test("the producers and the consumer reach the compose broker with its credentials", () => {
    const broker = services.rabbitmq;
    expect(broker.healthcheck.test).toContain("rabbitmq-diagnostics");
    const user = broker.environment.RABBITMQ_DEFAULT_USER;
    for (const name of ["auth", "file", "hangout", "notification", "media"]) {
      const url = new URL(String(resolved(services[name].environment).AMQP_URL));
      expect(url.hostname).toBe("rabbitmq");
      expect(url.username).toBe(user);
      expect(url.password).toBe(String(resolved(broker.environment).RABBITMQ_DEFAULT_PASS));
    }
  });

  test("hangout runs behind Envoy with the contract's environment", () => {
    expect(services.hangout.command).toEqual([
      "bun",
      PARSER_HEADER_LIMIT_FLAG,
      "dist/hangout/main.js",
    ]);
    expect(services["hangout-migrate"].command).toEqual(["bun", "services/hangout/src/migrate.ts"]);
    expect(services.hangout.image).toBe(services.auth.image);
    expect(services["hangout-migrate"].image).toBe(services.auth.image);
    expect(env.HANGOUT_HOST).toBe("0.0.0.0");
    expect(env.HANGOUT_PORT).toBe("3002");
    for (const name of [
      "GRPC_TIMEOUT_MS",
      "IDEMPOTENCY_TTL_SECONDS",
      "HANGOUT_SWEEP_INTERVAL_SECONDS",
      "HANGOUT_PENDING_MEMORY_TTL_SECONDS",
    ])
      expect({ name, value: env[name] }).toEqual({ name, value: expect.stringMatching(/^\d+$/) });
    // a pending memory is reconciled only after its upload URL can no longer be used
    expect(Number(env.HANGOUT_PENDING_MEMORY_TTL_SECONDS)).toBeGreaterThan(
      Number(services.file.environment.FILE_UPLOAD_URL_TTL_SECONDS),
    );
    // the migration job sees the same database settings as the service
    for (const [name, value] of Object.entries(services["hangout-migrate"].environment))
      expect({ name, value }).toEqual({ name, value: env[name] });
  });

  test("hangout reaches auth and file by their compose names and ports", () => {
    const auth = services.auth.environment;
    const file = services.file.environment;
    expect(env.AUTH_JWKS_URL).toBe(`http://auth:${auth.AUTH_PORT}/.well-known/jwks.json`);
    // gRPC targets are DNS names (grpc-js under Bun rejects an IP as TLS server name), and the
    // names are the servers' certificate identities (SAN = service name)
    expect(env.AUTH_GRPC_TARGET).toBe(`auth:${auth.AUTH_GRPC_PORT}`);
    expect(env.FILE_GRPC_TARGET).toBe(`file:${file.FILE_GRPC_PORT}`);
    for (const target of [env.AUTH_GRPC_TARGET, env.FILE_GRPC_TARGET])
      expect(target).not.toMatch(/^(\d+\.){3}\d+:|^\[|^localhost:/);
    // tokens are verified with auth's issuer and audience
    expect(env.AUTH_JWT_ISSUER).toBe(auth.AUTH_JWT_ISSUER);
    expect(env.AUTH_JWT_AUDIENCE).toBe(auth.AUTH_JWT_AUDIENCE);
    // its mTLS material: the same CA, its own provisioner key
    expect(env.STEP_CA_URL).toBe(auth.STEP_CA_URL);
    expect(env.STEP_CA_ROOT_FILE).toBe(auth.STEP_CA_ROOT_FILE);
    expect(env.STEP_CA_PROVISIONER_KEY_FILE).toBe(
      "/app/.data/step-ca/secrets/provisioners/hangout.json",
    );
    expect(services.hangout.volumes).toEqual(["hangout-step-ca:/app/.data/step-ca:ro"]);
  });

  const contracts = [
    ["auth", authConfigSchema, loadAuthConfig],
    ["file", fileConfigSchema, loadFileConfig],
    ["hangout", hangoutConfigSchema, loadHangoutConfig],
    ["notification", notificationConfigSchema, loadNotificationConfig],
    ["media", mediaConfigSchema, loadMediaConfig],
  ] as const;
  for (const [name, schema, load] of contracts) {
    test(`${name} (and its migrate job): every variable is one the service reads, with a valid value`, () => {
      // media has no database, hence no migrate job
      for (const svc of [name, `${name}-migrate`].filter((svc) => svc in services)) {
        const vars = resolved(services[svc].environment);
        const known = Object.keys(schema.properties);
        // Bun's and its allocator's own settings are read by the runtime, not the service.
        for (const key of Object.keys(vars).filter((key) => !RUNTIME_VARIABLE.test(key)))
          expect({ svc, key, known: known.includes(key) }).toEqual({ svc, key, known: true });
        expect(() => load(vars)).not.toThrow();
      }
    });
  }

  test("each service runs the bundle the image builds; auth's heap is sized to its memory limit", () => {
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toMatch(/^RUN bun scripts\/build\.ts$/m);
    // Bun's parser limit sits above the services' own, which answer with problem+json.
    expect(dockerfile).toContain(
      `CMD ["sh", "-c", "exec bun ${PARSER_HEADER_LIMIT_FLAG} dist/\${SERVICE}/main.js"]`,
    );
    // A bundle left on the host never stands in for the one the image builds.
    expect(read(".dockerignore").split("\n")).toContain("**/dist");
    for (const name of ["auth", "file", "hangout", "notification", "media"])
      expect(services[name].command).toEqual([
        "bun",
        PARSER_HEADER_LIMIT_FLAG,
        `dist/${name}/main.js`,
      ]);
    // JavaScriptCore is told each loaded service's container limit (decision 0008).
    for (const name of ["auth", "file", "hangout"]) {
      const limit = /^(\d+)m$/.exec(services[name].mem_limit)?.[1];
      expect(Number(services[name].environment.BUN_JSC_forceRAMSize)).toBe(Number(limit) * 2 ** 20);
    }
    // argon2id holds 19 MiB per hash in progress: a bounded number, whatever the host's cores.
    expect(Number(services.auth.environment.AUTH_PASSWORD_CONCURRENCY)).toBe(1);
  });

  test("the hangout config seen by the service", () => {
    const config = loadHangoutConfig(resolved(env));
    expect(config.HANGOUT_PORT).toBe(3002);
    expect(config.HANGOUT_DATABASE_URL).toBe(
      "mysql://hangout:hangout-dev-password@mysql:3306/hangout",
    );
    expect(config.DEPLOY_ENV).toBe("production");
    expect(config.STEP_CA_URL).toBe("https://step-ca:9443");
  });
});

/** A service's named-volume mounts: source volume, target path, read-only. */
function namedMounts(svc: Any): { volume: string; target: string; readOnly: boolean }[] {
  return ((svc.volumes ?? []) as unknown[])
    .map((v) => resolveComposeVars(String(v)).split(":"))
    .filter(([source]) => !source!.startsWith(".") && !source!.startsWith("/"))
    .map(([volume, target, mode]) => ({
      volume: volume!,
      target: target!,
      readOnly: mode === "ro",
    }));
}

/** Every file under `dir`, absolute. */
const allFiles = (dir: string): string[] => (existsSync(dir) ? filesUnder(dir) : []);

describe("docker-compose.yml: step-ca and who holds which key", () => {
  const init = services["step-ca-init"];
  const initMounts = namedMounts(init);
  const args: string[] = init.command.slice(2).map(String);
  const arg = (flag: string) => args[args.indexOf(flag) + 1]!;
  const grpcServices = Object.entries(services).filter(([, svc]) => svc.environment?.STEP_CA_URL);
  let tmp = "";
  const volumeDir = (volume: string) => join(tmp, volume);
  /** A path inside a container, in the temp copy of the volume mounted there. */
  const onDisk = (svc: Any, path: string) => {
    const mount = namedMounts(svc).find((m) => path.startsWith(`${m.target}/`));
    return mount && join(volumeDir(mount.volume), path.slice(mount.target.length));
  };

  // Runs the job's own command, with its volumes as temp folders and --owner as ourselves.
  const remap = (value: string): string => {
    const eq = value.indexOf("=");
    if (eq > 0 && !value.startsWith("/"))
      return `${value.slice(0, eq + 1)}${remap(value.slice(eq + 1))}`;
    const mount = initMounts.find((m) => value === m.target || value.startsWith(`${m.target}/`));
    return mount ? volumeDir(mount.volume) + value.slice(mount.target.length) : value;
  };
  let run: { exitCode: number; stderr: string };
  let pkiKeys: string[] = [];
  const pkiText = (rel: string) => readFileSync(join(remap(arg("--pki")), rel), "utf8");

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "compose-step-ca-"));
    const runArgs = args.map((a, i) =>
      args[i - 1] === "--owner" ? `${process.getuid!()}:${process.getgid!()}` : remap(a),
    );
    const proc = Bun.spawnSync([process.execPath, init.command[1], ...runArgs], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    run = { exitCode: proc.exitCode, stderr: proc.stderr.toString() };
    const keys = join(remap(arg("--pki")), "secrets/provisioners");
    pkiKeys = existsSync(keys) ? readdirSync(keys).map((f) => f.replace(/\.json$/, "")) : [];
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  /** Every private key the PKI holds, by name. */
  const secrets = (): Record<string, string> => ({
    root: pkiText("secrets/root_ca_key"),
    intermediate: pkiText("secrets/intermediate_ca_key"),
    ...Object.fromEntries(
      pkiKeys.map((k) => [`provisioner ${k}`, pkiText(`secrets/provisioners/${k}.json`)]),
    ),
  });
  const mountersOf = (volume: string) =>
    Object.entries(services)
      .filter(([, svc]) => namedMounts(svc).some((m) => m.volume === volume))
      .map(([name]) => name)
      .sort();

  test("step-ca-init: our image as root, writing for uid 1000, 1h leaves, the CA on :9443", () => {
    expect(init.image).toBe(services.auth.image);
    expect(init.user).toBe("0:0");
    expect(init.command.slice(0, 2)).toEqual(["bun", "step-ca/compose-init.ts"]);
    expect(arg("--owner")).toBe("1000:1000");
    expect(arg("--cert-duration")).toBe("1h");
    expect(arg("--address")).toBe(":9443");
    expect(existsSync(join(ROOT, init.command[1]))).toBe(true);
  });

  test("step-ca-init runs (remapped to temp folders) and writes every folder", () => {
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(pkiKeys.sort()).toEqual(["auth", "file", "hangout", "media", "notification"]);
  });

  test("the PKI volume (root key, every provisioner key) is mounted by step-ca-init only", () => {
    const pki = initMounts.find((m) => m.target === arg("--pki"))!;
    expect(mountersOf(pki.volume)).toEqual(["step-ca-init"]);
  });

  test("step-ca: the official image on the CA volume, which has no root or provisioner key", () => {
    const ca = services["step-ca"];
    expect(ca.image).toStartWith("smallstep/step-ca:");
    const caVolume = initMounts.find((m) => m.target === arg("--ca"))!.volume;
    expect(namedMounts(ca)).toEqual([
      { volume: caVolume, target: arg("--ca-path"), readOnly: false }, // step-ca writes db/
    ]);
    expect(mountersOf(caVolume)).toEqual(["step-ca", "step-ca-init"]);
    // ca.json names files that exist in the volume, as step-ca sees it
    const configPath = onDisk(ca, `${arg("--ca-path")}/config/ca.json`)!;
    const config = JSON.parse(readFileSync(configPath, "utf8"));
    for (const path of [config.root, config.crt, config.key]) {
      expect({ path, exists: existsSync(onDisk(ca, path) ?? "") }).toEqual({ path, exists: true });
    }
    expect(config.db.dataSource.startsWith(`${arg("--ca-path")}/`)).toBe(true);
    expect(config.address).toBe(arg("--address"));
    expect(config.dnsNames).toContain("step-ca");
    const { intermediate, ...others } = secrets();
    const contents = allFiles(volumeDir(caVolume)).map((f) => readFileSync(f, "utf8"));
    expect(contents).toContain(intermediate!);
    for (const [name, secret] of Object.entries(others))
      expect({ name, inCaVolume: contents.includes(secret) }).toEqual({ name, inCaVolume: false });
    // the healthcheck trusts the root in that volume and asks the CA's own port
    const health: string[] = ca.healthcheck.test;
    expect(existsSync(onDisk(ca, health[health.indexOf("--root") + 1]!)!)).toBe(true);
    const port = arg("--address").split(":").at(-1);
    expect(health[health.indexOf("--ca-url") + 1]).toBe(`https://127.0.0.1:${port}`);
    expect(resolveComposeVars(ca.ports[0])).toBe(`127.0.0.1:${port}:${port}`);
  });

  test("the mTLS services are auth, file, hangout, notification and media, each handed out by step-ca-init", () => {
    expect(grpcServices.map(([name]) => name).sort()).toEqual([
      "auth",
      "file",
      "hangout",
      "media",
      "notification",
    ]);
    const handedOut = args
      .filter((_, i) => args[i - 1] === "--service")
      .map((s) => s.split("=")[0])
      .sort();
    expect(handedOut).toEqual(["auth", "file", "hangout", "media", "notification"]);
  });

  for (const name of ["auth", "file", "hangout", "notification", "media"]) {
    test(`${name}: the CA URL, 1h certificates, and after step-ca-init and a healthy CA`, () => {
      const svc = services[name];
      const env = svc.environment;
      const port = arg("--address").split(":").at(-1);
      expect(env.STEP_CA_URL).toBe(`https://step-ca:${port}`);
      expect(env.CERT_LIFETIME).toBe(arg("--cert-duration"));
      expect(svc.depends_on["step-ca-init"].condition).toBe("service_completed_successfully");
      expect(svc.depends_on["step-ca"].condition).toBe("service_healthy");
    });

    test(`${name}: the root and its own provisioner key are mounted, read-only, from its own volume`, () => {
      const svc = services[name];
      const env = svc.environment;
      const rootFile = onDisk(svc, env.STEP_CA_ROOT_FILE);
      const keyFile = onDisk(svc, env.STEP_CA_PROVISIONER_KEY_FILE);
      expect(rootFile && readFileSync(rootFile, "utf8")).toBe(pkiText("certs/root_ca.crt"));
      expect(keyFile && readFileSync(keyFile, "utf8")).toBe(
        pkiText(`secrets/provisioners/${name}.json`),
      );
      expect(JSON.parse(readFileSync(keyFile!, "utf8")).d).toBeString(); // a private JWK
      expect(env.STEP_CA_PROVISIONER_KEY_FILE).toEndWith(`/${name}.json`);
      for (const path of [env.STEP_CA_ROOT_FILE, env.STEP_CA_PROVISIONER_KEY_FILE]) {
        const mount = namedMounts(svc).find((m) => path.startsWith(`${m.target}/`))!;
        expect({ path, readOnly: mount.readOnly }).toEqual({ path, readOnly: true });
        // nobody but step-ca-init and this service mounts that volume
        expect(mountersOf(mount.volume)).toEqual([name, "step-ca-init"].sort());
      }
    });

    test(`${name}: no volume it mounts holds another service's key or a CA key`, () => {
      const svc = services[name];
      const { [`provisioner ${name}`]: own, ...others } = secrets();
      expect(own).toBeDefined();
      const mounted = namedMounts(svc).flatMap((m) => allFiles(volumeDir(m.volume)));
      expect(mounted.length).toBeGreaterThan(0);
      for (const file of mounted) {
        const content = readFileSync(file, "utf8");
        for (const [secret, value] of Object.entries(others))
          expect({ file: relative(tmp, file), secret, leaked: content === value }).toEqual({
            file: relative(tmp, file),
            secret,
            leaked: false,
          });
      }
    });
  }
});
