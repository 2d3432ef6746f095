/**
 * Grafana's provisioning without running it: the datasources and their cross-links, and every
 * dashboard's datasource uids and metric names against what is provisioned and exported.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Any, read, yamlFile } from "@hangout/platform/testing/repository";
import { services } from "../deploy/compose/compose.ts";
import {
  DASHBOARD_METRICS,
  datasourceUids,
  metricNames,
  prometheusExpressions,
  TELEMETRY,
} from "./inspect.ts";

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
