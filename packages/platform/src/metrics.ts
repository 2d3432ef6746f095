import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Re-exported so services define their own metrics without depending on prom-client themselves. */
export { Counter, Gauge, Histogram };

/** Prometheus metrics of one service: process metrics plus RED metrics per route. */
export interface HttpMetrics {
  registry: Registry;
  observe(method: string, route: string, status: number, seconds: number): void;
}

export function createHttpMetrics(service: string): HttpMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request latency by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // Label children are bound once per (method, route, status): prom-client otherwise validates
  // and hashes the labels on every observation, which showed up in the request profile.
  const children = new Map<string, { count: () => void; time: (s: number) => void }>();
  return {
    registry,
    observe(method, route, status, seconds) {
      const key = `${method} ${route} ${status}`;
      let child = children.get(key);
      if (!child) {
        const labels = { method, route, status: String(status) };
        const counter = requests.labels(labels);
        const histogram = duration.labels(labels);
        child = { count: () => counter.inc(), time: (s) => histogram.observe(s) };
        children.set(key, child);
      }
      child.count();
      child.time(seconds);
    },
  };
}
