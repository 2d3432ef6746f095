/**
 * The web app's dashboard: the static server has no metrics of its own (nginx exports none), so
 * its panels read Envoy's statistics of cluster `web`, which Prometheus scrapes from Envoy's
 * stats listener, and Envoy's access log lines for that cluster in Loki.
 */
import { describe, expect, test } from "bun:test";
import { type Any, read } from "@hangout/platform/testing/repository";
import { parse as parseYaml } from "yaml";
import { ENVOY_CLUSTER_METRICS, metricNames, prometheusExpressions } from "./inspect.ts";

const dashboard: Any = JSON.parse(read("telemetry/grafana/dashboards/web.json"));
const exprs = prometheusExpressions(dashboard);
const envoy: Any = parseYaml(read("envoy/envoy.yaml"));
const services: Record<string, Any> = parseYaml(read("docker-compose.yml"), {
  merge: true,
}).services;

describe("telemetry of the web app", () => {
  test("every panel reads Envoy's cluster `web`, the one the catch-all route sends to", () => {
    expect(envoy.static_resources.clusters.map((c: Any) => c.name)).toContain("web");
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) {
      expect({ expr, web: expr.includes('envoy_cluster_name="web"') }).toEqual({ expr, web: true });
      for (const name of metricNames(expr)) expect(ENVOY_CLUSTER_METRICS).toContain(name);
    }
  });

  test("requests, the 5xx share, p50/p99 latency and healthy servers", () => {
    const all = exprs.join("\n");
    expect(all).toContain("sum(rate(envoy_cluster_upstream_rq_total{");
    expect(all).toContain("sum by (envoy_response_code_class) (rate(envoy_cluster_upstream_rq_xx{");
    expect(all).toMatch(
      /envoy_response_code_class="5"\}\[\$__rate_interval\]\)\) \/ sum\(rate\(envoy_cluster_upstream_rq_total/,
    );
    for (const q of ["0.5", "0.99"])
      expect(all).toContain(
        `histogram_quantile(${q}, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{`,
      );
    expect(all).toContain("envoy_cluster_membership_healthy{");
    // Envoy's upstream time is in milliseconds
    const latency = dashboard.panels.find((p: Any) =>
      JSON.stringify(p.targets).includes("upstream_rq_time"),
    );
    expect(latency.fieldConfig.defaults.unit).toBe("ms");
  });

  test("Prometheus scrapes Envoy's statistics, where these series come from", () => {
    const jobs: Any[] = parseYaml(read("telemetry/prometheus/prometheus.yml")).scrape_configs;
    const job = jobs.find((j) => j.job_name === "envoy");
    expect(job.metrics_path).toBe("/stats/prometheus");
    expect(job.static_configs[0].targets).toEqual(["envoy:9902"]);
  });

  test("the logs panel shows Envoy's access log lines for cluster web", () => {
    const logs = dashboard.panels.filter((p: Any) => p.type === "logs");
    expect(logs).toHaveLength(1);
    const expr: string = logs[0].targets[0].expr;
    // Alloy's `service` label is the compose service name
    expect(expr).toStartWith('{service="envoy"}');
    expect(Object.keys(services)).toContain("envoy");
    expect(expr).toContain('upstream_cluster="web"');
    const https = envoy.static_resources.listeners.find((l: Any) => l.name === "https");
    const hcm = https.filter_chains[0].filters[0].typed_config;
    const format = hcm.access_log[0].typed_config.log_format.json_format;
    expect(format.upstream_cluster).toBe("%UPSTREAM_CLUSTER%");
  });
});
