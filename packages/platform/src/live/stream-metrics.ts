import { Counter, Gauge, type Registry } from "prom-client";

export interface StreamMetrics {
  opened(): void;
  /** A stream closed for `reason` (client-closed, slow-client, shutdown, or end()'s reason). */
  closed(reason: string): void;
  sent(event: string): void;
}

type Instruments = {
  open: Gauge;
  sent: Counter<"event">;
  disconnects: Counter<"reason">;
};

// One set per registry: a service may run several hubs (one per route, or one per test) on one
// registry, and prom-client refuses a second metric of the same name. The gauge is therefore
// moved with inc/dec, never set: each hub only knows its own streams.
const byRegistry = new WeakMap<Registry, Instruments>();

function instruments(registry: Registry): Instruments {
  let found = byRegistry.get(registry);
  if (found) return found;
  const registers = [registry];
  found = {
    open: new Gauge({
      name: "live_streams_open",
      help: "Server-Sent Events streams currently open",
      registers,
    }),
    sent: new Counter({
      name: "live_events_sent_total",
      help: "Events written to Server-Sent Events streams, one per stream, by event type",
      labelNames: ["event"] as const,
      registers,
    }),
    disconnects: new Counter({
      name: "live_stream_disconnects_total",
      help: "Server-Sent Events streams closed, by reason",
      labelNames: ["reason"] as const,
      registers,
    }),
  };
  byRegistry.set(registry, found);
  return found;
}

function bound(labels: (value: string) => Counter.Internal): (value: string) => Counter.Internal {
  const children = new Map<string, Counter.Internal>();
  return (value) => {
    let child = children.get(value);
    if (!child) {
      child = labels(value);
      children.set(value, child);
    }
    return child;
  };
}

/**
 * The live streams' Prometheus metrics. Label values are ours (event types, close reasons), so
 * the label sets stay small; the bound children are cached because one event fans out to
 * thousands of streams, and prom-client would otherwise hash the labels on every increment.
 */
export function createStreamMetrics(registry: Registry): StreamMetrics {
  const m = instruments(registry);
  const sent = bound((event) => m.sent.labels({ event }));
  const disconnects = bound((reason) => m.disconnects.labels({ reason }));
  return {
    opened: () => m.open.inc(),
    closed(reason) {
      m.open.dec();
      disconnects(reason).inc();
    },
    sent: (event) => sent(event).inc(),
  };
}
