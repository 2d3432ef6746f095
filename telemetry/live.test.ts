/**
 * Telemetry of hangout's live streams (issue 18): the dashboard's "Live streams" row and the
 * HangoutLiveSlowClients alert, checked against the metrics the platform's stream hub really
 * registers. The hub runs here on the registry every service exposes at /metrics, so renaming a
 * metric, a label or the slow-client reason fails this file. (promtool runs the alert's unit
 * tests in prometheus.test.ts.)
 */
import { afterAll, describe, expect, test } from "bun:test";
import { type Any, read } from "@hangout/platform/testing/repository";
import { parse as parseYaml } from "yaml";
import { createStreamHub } from "../packages/platform/src/live/event-stream.ts";
import { createLogger } from "../packages/platform/src/logger.ts";
import { createHttpMetrics } from "../packages/platform/src/metrics.ts";
import { DASHBOARD_METRICS, LIVE_METRICS, metricNames, prometheusExpressions } from "./inspect.ts";

// The service's own registry (default label `service`), with a hub whose streams nobody reads.
const metrics = createHttpMetrics("hangout");
const hub = createStreamHub({
  heartbeatMs: 60_000,
  retryMs: 1000,
  bufferLimitBytes: 4096,
  metrics: metrics.registry,
  logger: createLogger({ service: "hangout", level: "silent" }),
});
afterAll(() => hub.endAll("test-over"));

const closes: string[] = [];
const onClose = (reason: string) => closes.push(reason);
const member = hub.open({ onClose });
member.send({ event: "hangout.updated", data: { id: "h1" } });
member.end("left");
// Queued bytes (the retry hint) plus an event past the limit: the client is not keeping up.
hub.open({ onClose }).send({ event: "memory.added", data: "x".repeat(8192) });
hub.open({ onClose });
const slowClientReason = closes[1]!;

const registered = new Map(
  (await metrics.registry.getMetricsAsJSON())
    .filter((m) => m.name.startsWith("live_"))
    .map((m) => [m.name, m]),
);

const dashboard: Any = JSON.parse(read("telemetry/grafana/dashboards/auth.json"));
const rules: Any[] = parseYaml(read("telemetry/prometheus/rules/hangout.rules.yml")).groups.flatMap(
  (g: Any) => g.rules,
);
const slowClients = rules.find((r) => r.alert === "HangoutLiveSlowClients");

/** The panels of a row: those after it, up to the next row. */
function rowPanels(title: string): Any[] {
  const panels: Any[] = dashboard.panels;
  const start = panels.findIndex((p) => p.type === "row" && p.title === title);
  if (start < 0) return [];
  const end = panels.findIndex((p, i) => i > start && p.type === "row");
  return panels.slice(start + 1, end < 0 ? undefined : end);
}

describe("the live streams' metrics, as the platform registers them", () => {
  test("exactly the live metrics the telemetry knows, each with the service's label", () => {
    expect([...registered.keys()].sort()).toEqual([...LIVE_METRICS].sort());
    for (const metric of registered.values())
      for (const value of metric.values) expect(value.labels.service).toBe("hangout");
  });

  test("open streams is a gauge; events sent by event, disconnects by reason are counters", () => {
    expect(registered.get("live_streams_open")?.type).toBe("gauge" as Any);
    expect(registered.get("live_streams_open")?.values.map((v) => v.value)).toEqual([1]);
    expect(registered.get("live_events_sent_total")?.type).toBe("counter" as Any);
    expect(
      registered.get("live_events_sent_total")?.values.map((v) => [v.labels.event, v.value]),
    ).toEqual([
      ["hangout.updated", 1],
      ["end", 1],
    ]);
    expect(registered.get("live_stream_disconnects_total")?.type).toBe("counter" as Any);
    expect(
      registered
        .get("live_stream_disconnects_total")
        ?.values.map((v) => [v.labels.reason, v.value]),
    ).toEqual([
      ["left", 1],
      [slowClientReason, 1],
    ]);
  });

  test("hangout's live streams count on the registry Prometheus scrapes", () => {
    expect(read("services/hangout/src/live/setup.ts")).toContain(
      "metrics: platform.metrics.registry",
    );
  });
});

describe("the service dashboard's Live streams row", () => {
  const panels = rowPanels("Live streams");
  const exprs = panels.flatMap((p) => prometheusExpressions(p));

  test("the row holds open streams by instance, events by event and disconnects by reason", () => {
    expect(panels.map((p) => [p.type, p.title])).toEqual([
      ["timeseries", "Open streams by instance"],
      ["timeseries", "Events sent / s by event"],
      ["timeseries", "Disconnects / s by reason"],
    ]);
    expect(exprs).toEqual([
      'sum by (instance) (live_streams_open{service="$service"})',
      'sum by (event) (rate(live_events_sent_total{service="$service"}[$__rate_interval]))',
      'sum by (reason) (rate(live_stream_disconnects_total{service="$service"}[$__rate_interval]))',
    ]);
    // each series is named after the label it is grouped by
    expect(panels.map((p) => p.targets[0].legendFormat)).toEqual([
      "{{instance}}",
      "{{event}}",
      "{{reason}}",
    ]);
  });

  test("its panels query the live metrics only, and the dashboard's metric list has them", () => {
    const used = new Set(exprs.flatMap((e) => [...metricNames(e)]));
    expect([...used].sort()).toEqual([...LIVE_METRICS].sort());
    for (const name of LIVE_METRICS) expect(DASHBOARD_METRICS["hangout-auth"]).toContain(name);
  });

  test("the row sits below every other panel, its panels side by side under it", () => {
    const row = dashboard.panels.find((p: Any) => p.type === "row" && p.title === "Live streams");
    const others = dashboard.panels.filter((p: Any) => p !== row && !panels.includes(p));
    const bottom = Math.max(...others.map((p: Any) => p.gridPos.y + p.gridPos.h));
    expect(row.gridPos).toEqual({ h: 1, w: 24, x: 0, y: bottom });
    expect(panels.map((p) => [p.gridPos.x, p.gridPos.y])).toEqual([
      [0, bottom + 1],
      [8, bottom + 1],
      [16, bottom + 1],
    ]);
  });

  test("slow-client disconnects are marked and lead to the alert", () => {
    const disconnects = panels.find((p) => p.title === "Disconnects / s by reason");
    const override = disconnects.fieldConfig.overrides[0];
    expect(override.matcher).toEqual({ id: "byName", options: slowClientReason });
    expect(disconnects.description).toContain(slowClientReason);
    expect(disconnects.description).toContain(slowClients.alert);
  });
});

describe("HangoutLiveSlowClients", () => {
  test("counts the reason the hub records when a client does not read", () => {
    expect(slowClientReason).toBe("slow-client");
    const reasons = [...slowClients.expr.matchAll(/reason="([^"]+)"/g)].map((m) => m[1]);
    expect(reasons).toEqual([slowClientReason, slowClientReason]);
  });

  test("a share of hangout's disconnects, for 10 minutes, as a ticket", () => {
    for (const name of metricNames(slowClients.expr)) expect(LIVE_METRICS).toContain(name);
    expect(slowClients.expr.match(/service="hangout"/g)).toHaveLength(3);
    expect(slowClients.expr).toMatch(/\) > 0\.25\s*\)/);
    expect(slowClients.for).toBe("10m");
    expect(slowClients.labels).toEqual({ severity: "ticket" });
  });

  test("its unit tests expect it to fire, and to stay quiet", () => {
    const cases: Any[] = parseYaml(read("telemetry/prometheus/rules/hangout.test.yml"))
      .tests.flatMap((t: Any) => t.alert_rule_test ?? [])
      .filter((c: Any) => c.alertname === slowClients.alert);
    expect(cases.filter((c) => c.exp_alerts.length > 0)).toHaveLength(1);
    expect(cases.filter((c) => c.exp_alerts.length === 0).length).toBeGreaterThanOrEqual(3);
  });
});
