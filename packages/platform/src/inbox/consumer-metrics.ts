import { Counter, Histogram, type Registry } from "prom-client";

export interface ConsumerMetrics {
  consumed(type: string, outcome: "processed" | "duplicate", seconds: number): void;
  failed(type: string): void;
  deadLettered(type: string, kind: "rejected" | "exhausted"): void;
}

type Instruments = {
  consumed: Counter<"consumer" | "type" | "outcome">;
  failed: Counter<"consumer" | "type">;
  deadLettered: Counter<"consumer" | "type" | "kind">;
  latency: Histogram<"consumer">;
};

// One set per registry: a service with several consumers registers each metric once and tells
// the consumers apart by label.
const byRegistry = new WeakMap<Registry, Instruments>();

function instruments(registry: Registry): Instruments {
  let found = byRegistry.get(registry);
  if (found) return found;
  const registers = [registry];
  found = {
    consumed: new Counter({
      name: "events_consumed_total",
      help: "Events acknowledged by a consumer: processed, or found in the inbox (duplicate)",
      labelNames: ["consumer", "type", "outcome"] as const,
      registers,
    }),
    failed: new Counter({
      name: "events_failed_total",
      help: "Handler attempts that threw and were rolled back",
      labelNames: ["consumer", "type"] as const,
      registers,
    }),
    deadLettered: new Counter({
      name: "events_dead_lettered_total",
      help: "Messages sent to a dead-letter queue: rejected (unreadable) or exhausted (retries)",
      labelNames: ["consumer", "type", "kind"] as const,
      registers,
    }),
    latency: new Histogram({
      name: "event_consume_duration_seconds",
      help: "From delivery to acknowledgement of a successfully consumed event",
      labelNames: ["consumer"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
  byRegistry.set(registry, found);
  return found;
}

/**
 * A consumer's Prometheus metrics. Rejected messages are counted under the type "invalid": their
 * type is whatever a producer wrote, and would make the label set unbounded.
 */
export function createConsumerMetrics(registry: Registry, consumer: string): ConsumerMetrics {
  const m = instruments(registry);
  return {
    consumed(type, outcome, seconds) {
      m.consumed.inc({ consumer, type, outcome });
      m.latency.observe({ consumer }, seconds);
    },
    failed: (type) => m.failed.inc({ consumer, type }),
    deadLettered: (type, kind) => m.deadLettered.inc({ consumer, type, kind }),
  };
}
