/**
 * Prometheus without running it: `promtool` checks the config and runs the alerts' unit tests,
 * and the scrape targets are the ports compose gives the services, the collector and Envoy.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type Any, read, runTool, yamlFile } from "@hangout/platform/testing/repository";
import { parse as parseYaml } from "yaml";
import { services } from "../deploy/compose/compose.ts";
import { TELEMETRY } from "./inspect.ts";

describe("Prometheus", () => {
  const rulesDir = join(TELEMETRY, "prometheus/rules");
  const ruleFiles = readdirSync(rulesDir).filter((f) => f.endsWith(".rules.yml"));
  const ruleTests = readdirSync(rulesDir).filter((f) => f.endsWith(".test.yml"));

  test("promtool check config telemetry/prometheus/prometheus.yml (and its rule files)", () => {
    expect(ruleFiles.sort()).toEqual([
      "auth.rules.yml",
      "events.rules.yml",
      "file.rules.yml",
      "hangout.rules.yml",
      "media.rules.yml",
      "notification.rules.yml",
    ]);
    const { exitCode, output } = runTool(
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
    const { exitCode, output } = runTool(
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
