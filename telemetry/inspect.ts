/**
 * Helpers for the telemetry tests: Grafana dashboards, PromQL, the metrics each service
 * registers, Alloy sources.
 */
import { readFileSync } from "node:fs";
import { filesUnder } from "@hangout/platform/testing/repository";

export const TELEMETRY = import.meta.dir;

/** The live streams' metrics (packages/platform/src/live/stream-metrics.ts), as PromQL names them. */
export const LIVE_METRICS = new Set([
  "live_streams_open",
  "live_events_sent_total",
  "live_stream_disconnects_total",
]);

/**
 * The metrics the services export: every HTTP service (packages/platform/src/metrics.ts +
 * prom-client defaults), producers (outbox/relay-metrics.ts), consumers
 * (inbox/consumer-metrics.ts) and services with live streams (live/stream-metrics.ts).
 */
export const ALLOWED_DASHBOARD_METRICS = new Set([
  ...LIVE_METRICS,
  "http_requests_total",
  "http_request_duration_seconds_bucket",
  "process_resident_memory_bytes",
  "outbox_backlog_events",
  "outbox_oldest_unpublished_age_seconds",
  "outbox_events_published_total",
  "events_consumed_total",
  "events_failed_total",
  "events_dead_lettered_total",
  "event_consume_duration_seconds_bucket",
]);

/** The notification service's own metrics (its mailer and deliveries), as PromQL names them. */
export const NOTIFICATION_METRICS = new Set([
  "notification_emails_total",
  "notification_email_send_seconds_bucket",
  "notification_deliveries_pending",
  "notification_deliveries_oldest_pending_seconds",
]);

/** The media worker's own metrics (services/media/src/services/job-metrics.ts), as PromQL names them. */
export const MEDIA_METRICS = new Set(["media_jobs_total", "media_job_duration_seconds_bucket"]);

/**
 * Envoy's statistics of one upstream cluster, as its /stats/prometheus names them (the cluster in
 * the label `envoy_cluster_name`, a status class in `envoy_response_code_class`).
 */
export const ENVOY_CLUSTER_METRICS = new Set([
  "envoy_cluster_upstream_rq_total",
  "envoy_cluster_upstream_rq_xx",
  "envoy_cluster_upstream_rq_time_bucket",
  "envoy_cluster_membership_healthy",
]);

/** Dashboard uid → exactly the metrics its panels query. */
export const DASHBOARD_METRICS: Record<string, Set<string>> = {
  "hangout-auth": ALLOWED_DASHBOARD_METRICS,
  "hangout-notification": new Set([
    ...NOTIFICATION_METRICS,
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "events_consumed_total",
    "events_failed_total",
    "events_dead_lettered_total",
    "event_consume_duration_seconds_bucket",
  ]),
  "hangout-web": ENVOY_CLUSTER_METRICS,
  "hangout-media": new Set([
    ...MEDIA_METRICS,
    "process_resident_memory_bytes",
    "events_consumed_total",
    "events_failed_total",
    "events_dead_lettered_total",
    "event_consume_duration_seconds_bucket",
  ]),
};

const BUILTIN_DATASOURCES = /^(-- .* --|grafana|\$.*|\$\{.*\})$/;

type Node = unknown;

function visit(node: Node, fn: (key: string, value: Node, parent: Record<string, Node>) => void) {
  if (Array.isArray(node)) {
    for (const n of node) visit(n, fn);
  } else if (node !== null && typeof node === "object") {
    const obj = node as Record<string, Node>;
    for (const [k, v] of Object.entries(obj)) {
      fn(k, v, obj);
      visit(v, fn);
    }
  }
}

/** Every datasource uid a dashboard references (panels, targets, variables, annotations). */
export function datasourceUids(dashboard: Node): Set<string> {
  const uids = new Set<string>();
  visit(dashboard, (key, value) => {
    if (key !== "datasource") return;
    const uid =
      typeof value === "string" ? value : (value as { uid?: unknown } | null | undefined)?.uid;
    if (typeof uid === "string" && !BUILTIN_DATASOURCES.test(uid)) uids.add(uid);
  });
  return uids;
}

/** The PromQL of every Prometheus panel target. */
export function prometheusExpressions(dashboard: Node): string[] {
  const out: string[] = [];
  visit(dashboard, (key, value, parent) => {
    if (key !== "targets" || !Array.isArray(value)) return;
    for (const target of value as Record<string, Node>[]) {
      const ds = (target.datasource ?? parent.datasource) as { type?: string } | undefined;
      if (ds?.type === "prometheus" && typeof target.expr === "string") out.push(target.expr);
    }
  });
  return out;
}

const PROMQL_KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "inf",
  "nan",
]);

/** Metric names in a PromQL expression (selectors, not functions, labels or keywords). */
export function metricNames(expr: string): Set<string> {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\[[^\]]*\]/g, " ") // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = m[0];
    const rest = stripped.slice(m.index + name.length);
    if (/^\s*\(/.test(rest)) continue; // a function call
    if (PROMQL_KEYWORDS.has(name.toLowerCase())) continue;
    const before = stripped.slice(0, m.index);
    if (/[\d.]$/.test(before)) continue; // part of a number such as 1e3
    names.add(name);
  }
  return names;
}

/** Alloy (River) source with comments removed and every string literal emptied to `""`. */
export function stripAlloyCommentsAndStrings(source: string): string {
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === "\\" ? 2 : 1;
      out += '""';
      i = j;
    } else if (ch === "/" && source[i + 1] === "/") {
      while (i < source.length && source[i] !== "\n") i++;
      out += "\n";
    } else if (ch === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 1;
    } else {
      out += ch;
    }
  }
  return out;
}

/** The `.ts` sources under a folder, joined: where a service's metric names are registered. */
export function sourcesUnder(dir: string): string {
  return filesUnder(dir)
    .filter((path) => path.endsWith(".ts"))
    .map((path) => readFileSync(path, "utf8"))
    .join("\n");
}

/** Metrics of `metrics` (histograms by their `_bucket` series) no source registers by name. */
export const unregistered = (metrics: Set<string>, sources: string) =>
  [...metrics]
    .map((name) => name.replace(/_bucket$/, ""))
    .filter((name) => !sources.includes(`"${name}"`));

/** Each alert's metrics that its dashboard does not know (`up` always is): `alert name` pairs. */
export function unknownAlertMetrics(
  rules: { alert: string; expr: string }[],
  dashboardUid: string,
): string[] {
  const known = new Set([...(DASHBOARD_METRICS[dashboardUid] ?? []), "up"]);
  return rules.flatMap((rule) =>
    [...metricNames(rule.expr)]
      .filter((name) => !known.has(name))
      .map((name) => `${rule.alert} ${name}`),
  );
}
